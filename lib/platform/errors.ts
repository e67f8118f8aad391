/** Errors reaching or reading the platform database. */
export class PlatformError extends Error {
  override name = "PlatformError";
  /** When true the shells exit 2: the environment is not configured, not a failure. */
  readonly config: boolean;

  constructor(message: string, options?: ErrorOptions & { config?: boolean }) {
    super(message, options);
    this.config = options?.config ?? false;
  }
}
