/** Base64 without a dependency on @std (not reachable here). */

/**
 * Standard base64 of bytes.
 *
 * @example
 * encodeBase64(new TextEncoder().encode("hi")) // "aGk="
 */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
