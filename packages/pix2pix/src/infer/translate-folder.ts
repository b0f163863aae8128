/**
 * Many image files through one generator: images scaled to the network's size go through it in batches
 * of `batchSize` (translatePixels answers each as alone, so batching changes no output), decoded ahead
 * of the network and encoded behind it (sharp works on its own threads); images that are tiled go
 * through `translateFile` one at a time. Each output is written atomically, an existing one is left
 * alone with `skipExisting`, and a file that fails is recorded with its reason and never stops the rest.
 */
import { access } from "node:fs/promises";
import { type ImageData32, type ImagePixels, imageSize } from "../io/images.ts";
import type { OpenedGenerator } from "./generator-file.ts";
import { type FileTranslationOptions, imageChannels, translateFile, usesTiles } from "./translate-file.ts";
import type { TranslationItem } from "./translate-inputs.ts";
import { translatePixels } from "./translate-pixels.ts";
import { type ImageWork, imageWork } from "./translate-threads.ts";

export interface FailedFile {
  readonly input: string;
  readonly reason: string;
}

export interface FolderSummary {
  readonly done: number;
  readonly skipped: number;
  readonly failed: readonly FailedFile[];
}

export interface FolderTranslationOptions extends FileTranslationOptions {
  readonly skipExisting: boolean;
  /** Worker threads that decode and encode (0: on the main thread). */
  readonly numThreads: number;
}

/** An item read and ready for the network, one to tile, or one that could not be read. */
type Prepared =
  | {
      readonly kind: "batch";
      readonly item: TranslationItem;
      readonly image: ImageData32;
      readonly width: number;
      readonly height: number;
    }
  | { readonly kind: "tiled"; readonly item: TranslationItem }
  | { readonly kind: "skipped"; readonly item: TranslationItem }
  | { readonly kind: "failed"; readonly item: TranslationItem; readonly reason: string };

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Translates every item; `onProgress(finished, total)` after each file finishes (done, skipped or
 * failed). Outputs that would be written twice (two inputs, one output path) are failures.
 */
export async function translateFolder(
  generator: OpenedGenerator,
  items: readonly TranslationItem[],
  o: FolderTranslationOptions,
  onProgress?: (finished: number, total: number) => void,
): Promise<FolderSummary> {
  const work = imageWork(o.numThreads);
  try {
    return await translateAll(generator, items, o, work, onProgress);
  } finally {
    await work.close();
  }
}

async function translateAll(
  generator: OpenedGenerator,
  items: readonly TranslationItem[],
  o: FolderTranslationOptions,
  work: ImageWork,
  onProgress?: (finished: number, total: number) => void,
): Promise<FolderSummary> {
  const channels = imageChannels("input-nc", generator.architecture.inputNc);
  const failed: FailedFile[] = [];
  let done = 0;
  let skipped = 0;
  const finish = (outcome: "done" | "skipped" | FailedFile) => {
    if (outcome === "done") done++;
    else if (outcome === "skipped") skipped++;
    else failed.push(outcome);
    onProgress?.(done + skipped + failed.length, items.length);
  };

  const claimed = new Set<string>();
  const prepare = async (item: TranslationItem): Promise<Prepared> => {
    if (claimed.has(item.output)) {
      return { kind: "failed", item, reason: `another input is also written to ${item.output}` };
    }
    claimed.add(item.output);
    try {
      if (o.skipExisting && (await exists(item.output))) return { kind: "skipped", item };
      const size = await imageSize(item.input);
      if (usesTiles(generator, size, o)) return { kind: "tiled", item };
      const image = await work.read(item.input, channels, { width: o.size, height: o.size });
      return { kind: "batch", item, image, ...size };
    } catch (error) {
      return { kind: "failed", item, reason: reasonOf(error) };
    }
  };

  // Writes run behind the network; each settles its file's outcome.
  const writes = new Set<Promise<void>>();
  const write = (entry: Extract<Prepared, { kind: "batch" }>, output: ImagePixels) => {
    const size = o.originalSize ? { width: entry.width, height: entry.height } : undefined;
    const pending = work
      .write(entry.item.output, output, size)
      .then(
        () => finish("done"),
        (error) => finish({ input: entry.item.input, reason: reasonOf(error) }),
      )
      .finally(() => writes.delete(pending));
    writes.add(pending);
  };

  let batch: Extract<Prepared, { kind: "batch" }>[] = [];
  const flush = async () => {
    const images = batch.map((entry) => entry.image);
    const entries = batch;
    batch = [];
    if (entries.length === 0) return;
    try {
      const outputs = await translatePixels(generator.network, images, o.mode, o.seed);
      for (const [i, entry] of entries.entries()) write(entry, outputs[i] as ImagePixels);
    } catch (error) {
      for (const entry of entries) finish({ input: entry.item.input, reason: reasonOf(error) });
    }
    // Encoding may trail the network by one batch, no more: memory stays bounded.
    while (writes.size > o.batchSize) await Promise.race(writes);
  };

  // Reading runs up to two batches ahead of the network.
  const ahead = 2 * o.batchSize;
  const started: (Promise<Prepared> | undefined)[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i; j < Math.min(items.length, i + ahead); j++) {
      started[j] ??= prepare(items[j] as TranslationItem);
    }
    const prepared = (await started[i]) as Prepared;
    started[i] = undefined;
    if (prepared.kind === "batch") {
      batch.push(prepared);
      if (batch.length === o.batchSize) await flush();
    } else if (prepared.kind === "tiled") {
      try {
        await translateFile(generator, prepared.item.input, prepared.item.output, o);
        finish("done");
      } catch (error) {
        finish({ input: prepared.item.input, reason: reasonOf(error) });
      }
    } else if (prepared.kind === "skipped") finish("skipped");
    else finish({ input: prepared.item.input, reason: prepared.reason });
  }
  await flush();
  await Promise.all(writes);
  return { done, skipped, failed };
}
