/**
 * Giving the event loop a turn in the middle of long work on the main thread,
 * so that what waits for it (a worker's messages, a stream's bytes) is served
 * between two pieces of that work.
 */

/**
 * Resolves after one turn of the event loop: the messages and I/O that came in
 * meanwhile are handled first (a promise alone resolves before them). A
 * message to itself, not a timer: a timer set from a timer's callback waits a
 * few milliseconds, which a thousand turns would add up.
 *
 * @example
 * for (const part of parts) {
 *   run(part);
 *   await nextTurn(); // a worker's messages are taken here
 * }
 */
export function nextTurn(): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port1.onmessage = () => {
      port1.close();
      port2.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
