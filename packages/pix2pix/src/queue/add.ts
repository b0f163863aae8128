/**
 * `pix2pix queue add` as a library call: lists the inputs as `translate` does (files, folders, globs;
 * the output folder mirrors them), and queues one job per image with absolute paths, so a worker on
 * any machine that mounts the same paths can do it.
 */
import { access, stat } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../errors.ts";
import { translationItems } from "../infer/translate-inputs.ts";
import { camelCase } from "../options/schema.ts";
import { jobTranslationOptions, type QueueAddOptions } from "./options.ts";
import { addTranslationJobs, openQueue, type TranslationJob, type TranslationSettings } from "./queue.ts";
import { displayUrl, redisConnection, redisUrl } from "./redis-connection.ts";

export interface QueuedImages {
  readonly url: string;
  readonly queue: string;
  /** New jobs. */
  readonly queued: number;
  /** Inputs left out because a job for their output still waits or runs. */
  readonly pending: number;
  /** Inputs left out because their output exists (--skip-existing). */
  readonly existing: number;
}

/** The translate options the user gave, as each job carries them (workers fill in the same defaults). */
function translationSettings(given: Partial<QueueAddOptions>): TranslationSettings {
  const settings: Record<string, unknown> = {};
  for (const key of Object.keys(jobTranslationOptions).map(camelCase)) {
    const value = (given as Record<string, unknown>)[key];
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export async function queueImages(
  inputs: readonly string[],
  o: QueueAddOptions,
  given: Partial<QueueAddOptions>,
): Promise<QueuedImages> {
  const url = redisUrl(o.redis);
  const model = path.resolve(o.model);
  await stat(model).catch(() => {
    throw new UserError(
      `model not found: ${o.model}`,
      "give a generator file or run folder at a path every worker sees too (a shared mount)",
    );
  });
  // Redis first: an unreachable one is an error before a long listing of the inputs.
  const queue = await openQueue(redisConnection(url, "brief"), o.queue);
  try {
    const items = await translationItems(
      inputs.map((input) => path.resolve(input)),
      path.resolve(o.output),
    );
    if (items.length === 0) {
      throw new UserError(`no image files in ${inputs.join(" ")}`, "give image files, folders or globs");
    }
    const settings = translationSettings(given);
    const jobs: TranslationJob[] = [];
    for (const { input, output } of items) {
      if (o.skipExisting && (await exists(output))) continue;
      jobs.push({ input, output, model, settings, skipExisting: o.skipExisting });
    }
    const { queued, pending } = await addTranslationJobs(queue, jobs, {
      attempts: o.attempts,
      backoffMs: o.backoffMs,
    });
    return { url: displayUrl(url), queue: o.queue, queued, pending, existing: items.length - jobs.length };
  } finally {
    await queue.close();
  }
}
