import type { ErrorCode } from "../errors.ts";

/** Errors raised while reading a roster source; shells print the message and exit 1. */
export class SourceError extends Error {
  override name = "SourceError";
  /** The stable code (lib/errors.ts); a subclass may name a narrower one. */
  readonly code: ErrorCode = "source.unreadable";
  /**
   * @param message what went wrong, where (file and line), and what to do
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
