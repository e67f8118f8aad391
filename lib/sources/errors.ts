/** Errors raised while reading a roster source; shells print the message and exit 1. */
export class SourceError extends Error {
  override name = "SourceError";
  /**
   * @param message what went wrong, where (file and line), and what to do
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
