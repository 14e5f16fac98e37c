// Cheap checks that stay on in every run: a broken invariant stops the run with a clear message
// instead of producing a wrong report.

/** Throws when `ok` is false. The message is built only then, so callers pass a function. */
export function check(ok: boolean, message: () => string): asserts ok {
  if (!ok) throw new Error(`internal error: ${message()}`);
}

/** Ends a switch over a union: the compiler rejects the call while a member is left unhandled. */
export function unreachable(x: never): never {
  throw new Error(`internal error: unhandled case ${JSON.stringify(x)}`);
}
