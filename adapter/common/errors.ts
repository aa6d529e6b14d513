// Errors that say whether the user can recover (CONVENTIONS.md #8): every error the adapter
// raises on purpose is an ExoError with a one-sentence, actionable message.

export type ErrorKind =
  | 'user'        // bad configuration or input: the message tells what to change
  | 'protocol'    // the peer sent something we cannot parse
  | 'timeout'     // the peer did not answer in time
  | 'disconnected'// the connection is gone; the session should end cleanly
  | 'target'      // the target refused (e.g. Exx reply to a request)
  | 'internal';   // a bug of ours

export class ExoError extends Error {
  constructor(readonly kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExoError';
  }
  /** Errors after which the session can go on. */
  get recoverable(): boolean {
    return this.kind === 'user' || this.kind === 'target' || this.kind === 'timeout';
  }
}

export const userError = (msg: string) => new ExoError('user', msg);

/** The message to show a user for any thrown value, never a stack trace. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
