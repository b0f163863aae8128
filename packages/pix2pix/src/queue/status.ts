/**
 * `pix2pix queue status` as data: how many jobs wait, run, are done or failed, which ones run now
 * (with their progress and worker), and why the failed ones failed.
 */
import type { QueueStatusOptions } from "./options.ts";
import { openQueue, type TranslationQueue } from "./queue.ts";
import { displayUrl, redisConnection, redisUrl } from "./redis-connection.ts";

export interface ActiveJob {
  readonly input: string;
  readonly worker: string;
  /** Percent of this image done, as its worker last reported. */
  readonly progress: number;
  readonly attempt: number;
}

export interface FailedJob {
  readonly input: string;
  readonly output: string;
  readonly reason: string;
  readonly attempts: number;
}

export interface QueueStatus {
  /** Jobs no worker has taken yet. */
  readonly waiting: number;
  /** Failed attempts waiting out their backoff before the next try. */
  readonly retrying: number;
  readonly active: number;
  readonly done: number;
  /** Jobs whose every attempt failed. */
  readonly failed: number;
  readonly activeJobs: readonly ActiveJob[];
  /** The most recent failures first, at most `failuresListed` of them. */
  readonly failedJobs: readonly FailedJob[];
}

function progressPercent(progress: unknown): number {
  return typeof progress === "number" ? progress : 0;
}

/** Active jobs listed at most (one per worker, so this many workers). */
const ACTIVE_LISTED = 100;

export async function queueStatus(queue: TranslationQueue, failuresListed = 20): Promise<QueueStatus> {
  const counts = await queue.getJobCounts("wait", "prioritized", "delayed", "active", "completed", "failed");
  const count = (state: string) => counts[state] ?? 0;
  const [active, failed] = await Promise.all([
    queue.getActive(0, ACTIVE_LISTED - 1),
    failuresListed > 0 ? queue.getFailed(0, failuresListed - 1) : [],
  ]);
  return {
    waiting: count("wait") + count("prioritized"),
    retrying: count("delayed"),
    active: count("active"),
    done: count("completed"),
    failed: count("failed"),
    activeJobs: active.map((job) => ({
      input: job.data.input,
      worker: job.processedBy ?? "?",
      progress: progressPercent(job.progress),
      attempt: job.attemptsStarted,
    })),
    failedJobs: failed.map((job) => ({
      input: job.data.input,
      output: job.data.output,
      reason: job.failedReason,
      attempts: job.attemptsMade,
    })),
  };
}

/** The status of the queue the options name, and where it is (its URL without the password). */
export async function readQueueStatus(
  o: Pick<QueueStatusOptions, "redis" | "queue" | "failures">,
): Promise<{ url: string; status: QueueStatus }> {
  const url = redisUrl(o.redis);
  const queue = await openQueue(redisConnection(url, "brief"), o.queue);
  try {
    return { url: displayUrl(url), status: await queueStatus(queue, o.failures) };
  } finally {
    await queue.close();
  }
}
