// Every property runs from one fixed seed, so a failure in CI reproduces on any machine.
// FC_SEED=<n> tries another one (a failing run prints its seed and path to replay it).
import fc from 'fast-check';

const FIXED_SEED = 1202;
const seed = process.env.FC_SEED === undefined ? FIXED_SEED : Number(process.env.FC_SEED);
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer (got ${process.env.FC_SEED})`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
