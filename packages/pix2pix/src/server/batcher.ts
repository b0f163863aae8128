/**
 * One model's inference queue: requests that arrive together run as one batch. The first request of a
 * batch waits up to `waitMs` for others (longer for requests already being read or decoded); a full
 * batch (`maxBatch`) goes at once, and requests that waited while a batch ran go next. Only one batch
 * runs at a time per queue.
 */
import { HttpError } from "./http-error.ts";

/**
 * How much longer than `waitMs` a batch waits for requests whose images are still being decoded. The
 * network blocks the event loop while it runs, so clients answered together send their next requests
 * together, and they reach the queue one decode apart: a batch cut at `waitMs` would take a few and
 * leave the rest for the next (batches of 6, 2, 1, 5… at concurrency 8 instead of 8s).
 */
const ARRIVAL_GRACE_MS = 250;

export interface BatcherLimits {
  readonly maxBatch: number;
  readonly waitMs: number;
  /** Requests waiting (not yet running) beyond this are refused with 503. */
  readonly maxQueue: number;
}

interface Waiting<I, O> {
  readonly item: I;
  /** performance.now() when it was submitted. */
  readonly since: number;
  resolve(output: O): void;
  reject(error: unknown): void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class Batcher<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** How many batches of each size have run (for tests and the benchmark). */
  readonly batchSizes = new Map<number, number>();

  /** `arriving`: how many requests are on their way to `submit` (being read or decoded). */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly limits: BatcherLimits,
    private readonly arriving: () => number,
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
        since: performance.now(),
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

  /** Looks at the queue again: a request that was on its way has arrived or given up. */
  wake(): void {
    this.schedule();
  }

  /** Resolves when nothing waits or runs. */
  async idle(): Promise<void> {
    while (this.busy) await (this.running ?? new Promise((r) => setTimeout(r, this.limits.waitMs + 1)));
  }

  /**
   * Starts a batch when it is full, or when its oldest request has waited `waitMs` and no other is on
   * its way, or `ARRIVAL_GRACE_MS` later in any case; else waits for whichever comes first.
   */
  private schedule(): void {
    if (this.running) return; // the running batch starts the next one when it ends
    const [oldest] = this.waiting;
    if (!oldest) return;
    const waited = performance.now() - oldest.since;
    const wait = this.arriving() === 0 ? this.limits.waitMs : this.limits.waitMs + ARRIVAL_GRACE_MS;
    clearTimeout(this.timer);
    if (this.waiting.length >= this.limits.maxBatch || waited >= wait) this.start();
    else this.timer = setTimeout(() => this.schedule(), wait - waited);
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting.splice(0, this.limits.maxBatch);
    if (batch.length === 0) return;
    for (const entry of batch) entry.signal?.removeEventListener("abort", entry.onAbort);
    this.batchSizes.set(batch.length, (this.batchSizes.get(batch.length) ?? 0) + 1);
    this.running = this.runBatch(batch).finally(() => {
      this.running = undefined;
      this.schedule();
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
