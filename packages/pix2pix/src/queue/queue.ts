/**
 * The translation queue in Redis (BullMQ): one job per image, its data everything a worker on any
 * machine needs to translate it. Paths are absolute, so every machine must see the inputs, the model
 * and the output folder at the same paths (a shared mount).
 */
import { type JobsOptions, Queue } from "bullmq";
import type { JobTranslationOptions } from "./options.ts";
import { type RedisConnection, redisError } from "./redis-connection.ts";

/** `pix2pix translate`'s options as given to `queue add`; the backend is each worker's own. */
export type TranslationSettings = Partial<JobTranslationOptions>;

export interface TranslationJob {
  readonly input: string;
  readonly output: string;
  /** A generator file or a run folder. */
  readonly model: string;
  readonly settings: TranslationSettings;
  /** Leave an output that exists (it is whole: outputs appear only by atomic rename). */
  readonly skipExisting: boolean;
}

/** What a finished job returns: whether it translated or found its output already there. */
export interface TranslationOutcome {
  readonly output: string;
  readonly skipped: boolean;
  readonly milliseconds: number;
}

export const JOB_NAME = "translate";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** The wait before the first retry; it doubles for each next one. */
  readonly backoffMs: number;
}

/**
 * A job's options: retries with exponential backoff; at most one unfinished job per output (adding the
 * same output while its job waits or runs adds nothing); finished jobs stay listed for `queue status`.
 */
export function jobOptions(job: TranslationJob, retry: RetryPolicy): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: "exponential", delay: retry.backoffMs },
    deduplication: { id: job.output },
  };
}

/** Opens a queue and waits for its connection, failing with an error that names the URL. */
export type TranslationQueue = Queue<TranslationJob, TranslationOutcome>;

export async function openQueue(connection: RedisConnection, name: string): Promise<TranslationQueue> {
  const queue = new Queue<TranslationJob, TranslationOutcome>(name, { connection: connection.options });
  // BullMQ reports connection trouble as events too; the awaited calls below carry the same errors.
  queue.on("error", () => undefined);
  try {
    await queue.waitUntilReady();
  } catch (error) {
    await queue.close().catch(() => undefined);
    throw redisError(connection.url, error);
  }
  connection.connected();
  return queue;
}

export interface AddedJobs {
  /** New jobs. */
  readonly queued: number;
  /** Images left out because a job for their output still waits or runs. */
  readonly pending: number;
}

const ADD_CHUNK = 1000;

/**
 * Adds a job per image, except for outputs whose job still waits or runs. (The deduplication option
 * also covers two `queue add`s racing; asking first is what lets us count the images left out.)
 */
export async function addTranslationJobs(
  queue: TranslationQueue,
  jobs: readonly TranslationJob[],
  retry: RetryPolicy,
): Promise<AddedJobs> {
  let queued = 0;
  for (let start = 0; start < jobs.length; start += ADD_CHUNK) {
    const chunk = jobs.slice(start, start + ADD_CHUNK);
    const holders = await Promise.all(chunk.map((job) => queue.getDeduplicationJobId(job.output)));
    const fresh = chunk.filter((_, i) => holders[i] === null);
    await queue.addBulk(fresh.map((data) => ({ name: JOB_NAME, data, opts: jobOptions(data, retry) })));
    queued += fresh.length;
  }
  return { queued, pending: jobs.length - queued };
}
