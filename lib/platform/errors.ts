import type { ErrorCode } from "../errors.ts";

/** Errors reaching or reading the platform database. */
export class PlatformError extends Error {
  override name = "PlatformError";
  /** `platform.unconfigured` (exit 2) when {@link config}, else `platform.unreachable`. */
  get code(): ErrorCode {
    return this.config ? "platform.unconfigured" : "platform.unreachable";
  }
  /** When true the shells exit 2: the environment is not configured, not a failure. */
  readonly config: boolean;

  constructor(message: string, options?: ErrorOptions & { config?: boolean }) {
    super(message, options);
    this.config = options?.config ?? false;
  }
}
