/**
 * The worker side of a WorkerPool (pool.ts): the messages both sides exchange, and the loop that
 * answers a pool's jobs in a worker thread.
 */
import { parentPort } from "node:worker_threads";

export interface JobMessage<Job> {
  readonly id: number;
  readonly job: Job;
}

/** A job's result, or the stack of a bug that escaped it (expected failures belong in the result). */
export type ReplyMessage<Result> =
  | { readonly id: number; readonly result: Result }
  | { readonly id: number; readonly crash: string };

/**
 * Answers the pool's jobs with `handle`; `transfer` names the buffers of a result that move to the
 * main thread instead of being copied.
 */
export function serveJobs<Job, Result>(
  handle: (job: Job) => Promise<Result>,
  transfer: (result: Result) => ArrayBuffer[],
): void {
  const port = parentPort;
  if (!port) throw new Error("serveJobs runs in a worker thread");
  port.on("message", async ({ id, job }: JobMessage<Job>) => {
    try {
      const result = await handle(job);
      port.postMessage({ id, result } satisfies ReplyMessage<Result>, transfer(result));
    } catch (error) {
      port.postMessage({ id, crash: (error as Error).stack ?? String(error) } satisfies ReplyMessage<Result>);
    }
  });
}
