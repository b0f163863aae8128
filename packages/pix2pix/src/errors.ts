/**
 * A mistake the user can fix (a bad option, a missing file, a corrupt image). The CLI prints it as one
 * line plus the hint and exits 2, without a stack trace; any other error is a bug and keeps its stack.
 */
export class UserError extends Error {
  override readonly name = "UserError";

  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
