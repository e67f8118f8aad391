import type { ErrorCode } from "../errors.ts";

/** A HubSpot call that failed; the message never holds a token or a response body. */
export class HubSpotError extends Error {
  override name = "HubSpotError";
  readonly code: ErrorCode = "hubspot.failed";
}
