// Errors the CLI turns into exit codes: 2 means bad input.

/** Bad input from the user: the main program prints `message` on stderr and exits with `exitCode`. */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
