/**
 * A bounded queue for the server's heavy work: `concurrency` jobs run, up to
 * `queue` wait, and any more are refused at once (`server.busy`, 503 with
 * Retry-After) instead of piling up in memory.
 */
import { CodedError } from "../../lib/errors.ts";

/** Runs at most `concurrency` jobs at once with at most `queue` waiting. */
export class JobQueue {
  #running = 0;
  #waiting: Array<() => void> = [];
  /** Mean seconds of recent jobs, for Retry-After. */
  #meanSeconds = 5;

  constructor(readonly limits: { concurrency: number; queue: number }) {}

  /** Jobs running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  /**
   * The error that refuses work past the queue (`server.busy`, with a Retry-After from the recent jobs' mean time).
   *
   * @example
   * if (tooMany) throw queue.busy();
   */
  busy(): CodedError {
    const waiting = Math.max(this.#waiting.length, this.limits.queue);
    const retryAfter = Math.min(
      300,
      Math.max(1, Math.ceil(this.#meanSeconds * (waiting + 1) / this.limits.concurrency)),
    );
    return new CodedError(
      "server.busy",
      `${this.#running} diagnoses or lookups are running and ${waiting} waiting; try again in ${retryAfter} s`,
      { retryAfter },
    );
  }

  /**
   * Runs `fn` when a slot is free; throws `server.busy` when the queue is full, and the signal's reason when it aborts
   * before a slot comes.
   *
   * @example
   * const report = await queue.run(() => runJobProcess(job, limits));
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.#running >= this.limits.concurrency) {
      if (this.#waiting.length >= this.limits.queue) throw this.busy();
      // The slot is handed over by the job that ends (see finally), so #running stays as it is. A job whose signal
      // aborts while it waits leaves the queue: it never runs, and takes no slot.
      await new Promise<void>((resolve, reject) => {
        const take = () => {
          signal?.removeEventListener("abort", leave);
          resolve();
        };
        const leave = () => {
          const at = this.#waiting.indexOf(take);
          if (at !== -1) this.#waiting.splice(at, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", leave, { once: true });
        this.#waiting.push(take);
      });
    } else {
      this.#running++;
    }
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.#meanSeconds = 0.8 * this.#meanSeconds + 0.2 * (performance.now() - t0) / 1000;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
