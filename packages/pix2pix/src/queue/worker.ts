/**
 * `pix2pix worker` as a library call: takes translation jobs from the queue one at a time until asked
 * to stop, then finishes the job in hand and returns.
 *
 * A job is locked by its worker for `lockDurationMs`, and the lock is renewed halfway through. If the
 * worker dies (kill -9, a lost machine), the lock runs out and the next stalled-job check of any
 * worker (every `stalledIntervalMs`) puts the job back in the waiting list, so another worker takes it.
 * A job that stalls twice (it may be what kills its workers) fails instead, with that reason.
 */
import { hostname } from "node:os";
import { type Job, Worker } from "bullmq";
import { JOB_NAME, type TranslationJob, type TranslationOutcome } from "./queue.ts";
import { displayUrl, isConnectionError, type RedisConnection, redisError } from "./redis-connection.ts";

export interface WorkerSettings {
  readonly connection: RedisConnection;
  readonly queue: string;
  /** The tfjs backend the jobs run on (for the worker's first line). */
  readonly backend: string;
  /** How the queue lists this worker (`queue status`). */
  readonly name?: string;
  /** How long a job stays locked to this worker without a renewal (renewed every half of it). */
  readonly lockDurationMs: number;
  /** How often this worker looks for jobs whose worker died. */
  readonly stalledIntervalMs: number;
}

/** Translates a job's image; `progress` reports how far it got (it never throws: a lost report is no loss). */
export type Translate = (
  job: TranslationJob,
  progress: (percent: number) => void,
) => Promise<TranslationOutcome>;

export type WorkerEvent =
  | {
      readonly kind: "ready";
      readonly url: string;
      readonly queue: string;
      readonly name: string;
      readonly backend: string;
    }
  | { readonly kind: "start"; readonly id: string; readonly job: TranslationJob; readonly attempt: number }
  | {
      readonly kind: "done";
      readonly id: string;
      readonly job: TranslationJob;
      readonly outcome: TranslationOutcome;
    }
  | {
      readonly kind: "failed";
      readonly id: string;
      readonly job: TranslationJob;
      readonly reason: string;
      /** Whether the queue will try it again (after its backoff). */
      readonly retrying: boolean;
    }
  /** Redis cannot be reached (it restarts, the network drops): the worker keeps reconnecting. */
  | { readonly kind: "redis-unreachable"; readonly url: string; readonly reason: string }
  /**
   * A job's lock ran out before this worker could renew it: one stretch of work that held the event
   * loop (a forward pass) outlasted the lock, so another worker may take the job over and do it again.
   */
  | { readonly kind: "lock-lost"; readonly id: string; readonly lockDurationMs: number }
  /** Anything else BullMQ reports outside a job. */
  | { readonly kind: "error"; readonly reason: string };

export interface WorkerSummary {
  readonly translated: number;
  readonly skipped: number;
  readonly failedAttempts: number;
}

/** A job stalls (its worker died or froze) at most once; the second time it fails. */
const MAX_STALLED = 1;
const REPORT_ERRORS_MS = 10_000;
/** The longest a stop with no image in hand waits for BullMQ's close. */
const FORCED_CLOSE_WAIT_MS = 2000;
const LOCK_LOST_ERROR = /^(?:could not renew lock for job|Missing lock for job) ([^\s.]+)/;

function willRetry(job: Job<TranslationJob>): boolean {
  return job.attemptsMade < (job.opts.attempts ?? 1);
}

export async function runWorker(
  settings: WorkerSettings,
  translate: Translate,
  stop: AbortSignal,
  onEvent: (event: WorkerEvent) => void = () => undefined,
): Promise<WorkerSummary> {
  const { connection } = settings;
  const url = displayUrl(connection.url);
  const name = settings.name ?? `${hostname()}:${process.pid}`;
  let [translated, skipped, failedAttempts] = [0, 0, 0];
  let inHand = 0;
  const worker = new Worker<TranslationJob, TranslationOutcome>(
    settings.queue,
    async (job) => {
      if (job.name !== JOB_NAME) throw new Error(`not a translation job: '${job.name}'`);
      onEvent({ kind: "start", id: String(job.id), job: job.data, attempt: job.attemptsStarted });
      inHand++;
      try {
        return await translate(job.data, (percent) => {
          job.updateProgress(percent).catch(() => undefined);
        });
      } finally {
        inHand--;
      }
    },
    {
      connection: connection.options,
      name,
      concurrency: 1,
      autorun: false,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: MAX_STALLED,
    },
  );
  // While Redis is away every reconnection attempt fails: report one line per REPORT_ERRORS_MS.
  let reported = Number.NEGATIVE_INFINITY;
  // BullMQ reports a lost lock as errors naming the job, when it fails to renew the lock and again when
  // the job ends without it: one event per job and attempt.
  const lostLocks = new Set<string>();
  worker.on("active", (job) => lostLocks.delete(String(job.id)));
  worker.on("error", (error) => {
    const lost = LOCK_LOST_ERROR.exec(error.message)?.[1];
    if (lost !== undefined) {
      if (!lostLocks.has(lost))
        onEvent({ kind: "lock-lost", id: lost, lockDurationMs: settings.lockDurationMs });
      lostLocks.add(lost);
      return;
    }
    if (!isConnectionError(error)) {
      onEvent({ kind: "error", reason: error.message });
      return;
    }
    if (performance.now() - reported < REPORT_ERRORS_MS) return;
    reported = performance.now();
    onEvent({ kind: "redis-unreachable", url, reason: error.message });
  });
  worker.on("completed", (job, outcome) => {
    if (outcome.skipped) skipped++;
    else translated++;
    onEvent({ kind: "done", id: String(job.id), job: job.data, outcome });
  });
  worker.on("failed", (job, error) => {
    failedAttempts++;
    if (job) {
      const retrying = willRetry(job);
      onEvent({ kind: "failed", id: String(job.id), job: job.data, reason: error.message, retrying });
    }
  });

  try {
    await worker.waitUntilReady();
  } catch (error) {
    await worker.close(true).catch(() => undefined);
    throw redisError(connection.url, error);
  }
  connection.connected();
  onEvent({ kind: "ready", url, queue: settings.queue, name, backend: settings.backend });
  const stopped = new Promise<void>((resolve) => {
    if (stop.aborted) resolve();
    stop.addEventListener("abort", () => resolve(), { once: true });
  });
  const running = worker.run();
  await Promise.race([stopped, running]);
  if (inHand > 0) {
    // A graceful close lets the job in hand finish (and be marked done) before it resolves.
    await worker.close();
    await running;
  } else {
    // With none in hand nothing is lost by not waiting. With Redis away, BullMQ's run loop, and at times
    // its close, never settle, and once no connection is left to retry, Node would end the process with
    // exit code 13 (a top-level await left unsettled) instead of returning here.
    running.catch(() => undefined);
    await settledOrAfter(worker.close(true), FORCED_CLOSE_WAIT_MS);
  }
  return { translated, skipped, failedAttempts };
}

/** Waits for `promise` to settle, but no longer than `ms` (a timer keeps the process alive meanwhile). */
async function settledOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.catch(() => undefined), elapsed]);
  clearTimeout(timer);
}
