/**
 * One model's inference queue: requests that arrive together run as one batch. The first request of a
 * batch waits up to `waitMs` for others; a full batch (`maxBatch`) goes at once, and requests that
 * arrived while a batch ran go next without waiting. Only one batch runs at a time per queue.
 */
import { HttpError } from "./http-error.ts";

export interface BatcherLimits {
  readonly maxBatch: number;
  readonly waitMs: number;
  /** Requests waiting (not yet running) beyond this are refused with 503. */
  readonly maxQueue: number;
}

interface Waiting<I, O> {
  readonly item: I;
  resolve(output: O): void;
  reject(error: unknown): void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class Batcher<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Sizes of the batches run so far, oldest first (for tests and the log). */
  readonly batchSizes: number[] = [];

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly limits: BatcherLimits,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  get busy(): boolean {
    return this.running !== undefined || this.waiting.length > 0;
  }

  /** The output for `item`; a `signal` that aborts while the item waits takes it out of the queue. */
  submit(item: I, signal?: AbortSignal): Promise<O> {
    if (this.waiting.length >= this.limits.maxQueue) {
      return Promise.reject(
        new HttpError(503, `the model's queue is full (${this.limits.maxQueue} waiting)`, "retry shortly", {
          "Retry-After": "1",
        }),
      );
    }
    return new Promise<O>((resolve, reject) => {
      const entry: Waiting<I, O> = {
        item,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal?.reason);
        },
      };
      if (signal?.aborted) return entry.onAbort();
      signal?.addEventListener("abort", entry.onAbort, { once: true });
      this.waiting.push(entry);
      this.schedule();
    });
  }

  /** Resolves when nothing waits or runs. */
  async idle(): Promise<void> {
    while (this.busy) await (this.running ?? new Promise((r) => setTimeout(r, this.limits.waitMs + 1)));
  }

  private schedule(): void {
    if (this.running) return; // the running batch starts the next one when it ends
    if (this.waiting.length >= this.limits.maxBatch || this.limits.waitMs === 0) this.start();
    else this.timer ??= setTimeout(() => this.start(), this.limits.waitMs);
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting.splice(0, this.limits.maxBatch);
    if (batch.length === 0) return;
    for (const entry of batch) entry.signal?.removeEventListener("abort", entry.onAbort);
    this.batchSizes.push(batch.length);
    this.running = this.runBatch(batch).finally(() => {
      this.running = undefined;
      if (this.waiting.length > 0) this.start();
    });
  }

  private async runBatch(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const outputs = await this.run(batch.map((entry) => entry.item));
      for (const [i, entry] of batch.entries()) entry.resolve(outputs[i] as O);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
