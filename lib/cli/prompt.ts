/** Reads a secret from the terminal without echoing it. */

/**
 * Asks for a secret on the terminal (no echo); undefined when stdin is not a terminal.
 *
 * @example
 * const passphrase = await promptSecret("Vault passphrase: ");
 */
export async function promptSecret(question: string): Promise<string | undefined> {
  if (!Deno.stdin.isTerminal()) return undefined;
  const encoder = new TextEncoder();
  await Deno.stderr.write(encoder.encode(question));
  Deno.stdin.setRaw(true);
  let value = "";
  const buffer = new Uint8Array(1);
  try {
    for (;;) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) break;
      const c = buffer[0];
      if (c === 13 || c === 10) break;
      if (c === 3) throw new Error("cancelled");
      if (c === 127 || c === 8) value = value.slice(0, -1);
      else value += String.fromCharCode(c);
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(encoder.encode("\n"));
  }
  return value;
}
