/**
 * The options of `pix2pix queue add`, `pix2pix worker` and `pix2pix queue status`. Where the queue
 * lives is one group all three share; `queue add` takes `translate`'s options (they travel with each
 * job), and the worker chooses its own backend.
 */
import { translateOptions } from "../infer/translate-options.ts";
import { backendOption } from "../options/common.ts";
import { type OptionValues, option } from "../options/schema.ts";
import { DEFAULT_REDIS_URL, REDIS_URL_ENV } from "./redis-connection.ts";

export const DEFAULT_QUEUE = "pix2pix";

export const redisOptions = {
  redis: option.string(
    undefined,
    `the queue's Redis: redis://[user:password@]host:port[/db], rediss:// for TLS (default: $${REDIS_URL_ENV}, else ${DEFAULT_REDIS_URL})`,
    "url",
  ),
  queue: option.string(
    DEFAULT_QUEUE,
    "the queue's name in that Redis (one Redis can hold several queues)",
    "name",
  ),
} as const;

const {
  model,
  output: _output,
  backend: _backend,
  "skip-existing": skipExisting,
  ...perImage
} = translateOptions;

/** How to translate each image: `translate`'s options that every job carries (as the user gave them). */
export const jobTranslationOptions = perImage;

export const queueAddOptions = {
  model,
  ...jobTranslationOptions,
  "skip-existing": skipExisting,
  output: option.required(
    "the folder outputs are written to, at the same path on every worker (folder structure of the inputs kept)",
    "dir",
    "o",
  ),
  attempts: option.int(3, "tries per image before it is listed as failed", { min: 1, max: 100 }),
  "backoff-ms": option.int(5000, "wait before a failed image's first retry; it doubles for each next one", {
    min: 0,
  }),
  ...redisOptions,
} as const;

export const workerOptions = {
  ...redisOptions,
  "worker-name": option.string(undefined, "how `queue status` lists this worker (default: host:pid)", "name"),
  "lock-duration": option.int(
    30_000,
    "ms a job stays locked to this worker without renewal (renewed every half of it): a killed worker's job is taken over after about this long; keep it above the longest single forward pass",
    { min: 200 },
  ),
  "stalled-interval": option.int(30_000, "ms between this worker's checks for jobs whose worker died", {
    min: 200,
  }),
  ...backendOption,
} as const;

export const queueStatusOptions = {
  ...redisOptions,
  json: option.flag("print the status as JSON"),
  failures: option.int(20, "failed jobs to list (the most recent first)", { min: 0 }),
} as const;

export type JobTranslationOptions = OptionValues<typeof jobTranslationOptions>;
export type QueueAddOptions = OptionValues<typeof queueAddOptions>;
export type WorkerOptions = OptionValues<typeof workerOptions>;
export type QueueStatusOptions = OptionValues<typeof queueStatusOptions>;
