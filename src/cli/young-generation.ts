// Imported first by main.ts, so it runs before any other module is evaluated. V8 grows the young
// generation up to 2 x 16 MB for the allocation of start-up, Lua calls and the report, and keeps
// it, while the event loop allocates almost nothing: ~30 MB of a run's peak RSS for no CPU. A
// growth factor of 1, read by V8 each time it would grow the space, keeps it at its initial size.
// Set here at run time rather than as a node flag on the bin's command line: a V8 flag there
// makes node compile its own built-in modules without their code cache (`sim --version` +10-17 ms).
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--semi-space-growth-factor=1');
