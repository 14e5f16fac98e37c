// What the bundle gives yargs, cliui and wrap-ansi for the package string-width (tools/bundle.mjs):
// a function that answers printable ASCII itself and loads the real one only for other text. The
// real module builds an Intl.Segmenter and Unicode-property regexes when it loads (~25 ms of CPU),
// and yargs lays out a command's help text after its handler has run, even when nothing prints it.

/** Text in which every character takes one column: what string-width answers with its length. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * string-width's function, with `real()` called only for text outside printable ASCII (and for
 * what is not a string): `real()` loads the real function, once.
 * @param {() => (text: unknown, options?: object) => number} real
 */
export function stringWidthStandIn(real) {
  return (text, options) => (typeof text === 'string' && PRINTABLE_ASCII.test(text) ? text.length : real()(text, options));
}
