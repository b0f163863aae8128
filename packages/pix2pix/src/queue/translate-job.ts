/**
 * What a worker does with one job: the same file translation as `pix2pix translate` (infer's
 * translateFile, so a queued image's output is byte for byte the single-process one), with the
 * generator kept open between jobs of the same model and settings.
 *
 * An output appears only by atomic rename (a hidden temporary file, fsync, rename), so a file at the
 * output's name is always whole: a job that may skip existing outputs skips it, and a retry that
 * rewrites it replaces whole bytes with whole (identical) bytes.
 */
import { access } from "node:fs/promises";
import type { OpenedGenerator } from "../infer/generator-file.ts";
import { fileTranslationOptions, translateFile } from "../infer/translate-file.ts";
import { openTranslator } from "../infer/translate-image.ts";
import { type TranslateOptions, translateOptions } from "../infer/translate-options.ts";
import { resolveOptions } from "../options/schema.ts";
import type { TranslationJob, TranslationOutcome } from "./queue.ts";
import type { Translate } from "./worker.ts";

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The translate options of a job; the worker's backend is the one already chosen. */
function jobOptions(job: TranslationJob): { o: TranslateOptions; given: Partial<TranslateOptions> } {
  const given: Partial<TranslateOptions> = { ...job.settings, model: job.model, output: job.output };
  return { o: resolveOptions(translateOptions, given), given };
}

/** A Translate that keeps the last generator open; `release()` frees it. */
export function jobTranslator(): { translate: Translate; release(): void } {
  let open: { key: string; generator: OpenedGenerator; size: number } | undefined;
  const release = () => {
    open?.generator.network.dispose();
    open = undefined;
  };
  const translate: Translate = async (job, progress) => {
    const started = performance.now();
    if (job.skipExisting && (await exists(job.output))) {
      return { output: job.output, skipped: true, milliseconds: 0 };
    }
    const { o, given } = jobOptions(job);
    const key = JSON.stringify([job.model, job.settings]);
    if (open?.key !== key) {
      release();
      open = { key, ...(await openTranslator(o, given)) };
    }
    progress(0);
    const options = fileTranslationOptions(o, open.size);
    await translateFile(open.generator, job.input, job.output, options, (done, total) => {
      progress(Math.floor((100 * done) / total));
    });
    progress(100);
    const outcome: TranslationOutcome = {
      output: job.output,
      skipped: false,
      milliseconds: Math.round(performance.now() - started),
    };
    return outcome;
  };
  return { translate, release };
}
