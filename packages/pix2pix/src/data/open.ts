/**
 * Opening a paired dataset: find and check its pairs, then serve epochs of batches, loading pairs in
 * worker threads and keeping a window of them in flight ahead of the consumer.
 */
import { UserError } from "../errors.ts";
import type { Rng } from "../random.ts";
import type { OpenHooks, PairBatch, PairedDataset, SkippedFile } from "./dataset.ts";
import {
  BadImageError,
  checkAlignedSize,
  checkPartnerSizes,
  type PairJob,
  type PairResult,
  readImageSize,
} from "./decode.ts";
import { mapLimited } from "./map-limited.ts";
import type { DataOptions } from "./options.ts";
import { createPairLoader, type PairLoader } from "./pool.ts";
import { stackSamples } from "./samples.ts";
import { alignedSources, folderSources, type PairSource, sourcePath } from "./sources.ts";
import { SYNTHETIC_PHASE_OFFSETS } from "./synthetic.ts";
import { drawAugmentation, roundingWarning, type Size, type TransformOptions } from "./transform.ts";

const LISTED = 5;

/** "a, b, c and 4 more" */
export function listSome(items: readonly string[], shown = LISTED): string {
  const head = items.slice(0, shown).join(", ");
  return items.length > shown ? `${head} and ${items.length - shown} more` : head;
}

function channels(flag: string, value: number): 1 | 3 {
  if (value === 1 || value === 3) return value;
  throw new UserError(`option --${flag} must be 1 (grayscale) or 3 (RGB), got ${value}`);
}

function checkSizes(options: DataOptions): void {
  const { preprocess, loadSize, cropSize } = options;
  if ((preprocess === "resize_and_crop" || preprocess === "scale_width_and_crop") && loadSize < cropSize) {
    throw new UserError(
      `--load-size ${loadSize} is smaller than --crop-size ${cropSize}`,
      "the image is scaled to --load-size and then cropped to --crop-size: use a load size at least the crop size",
    );
  }
}

function listSources(options: DataOptions): { sources: PairSource[]; unpaired: string[] } {
  const { datasetMode, dataroot, phase } = options;
  if (datasetMode === "synthetic") {
    const offset = SYNTHETIC_PHASE_OFFSETS[phase];
    if (offset === undefined) {
      throw new UserError(
        `the synthetic dataset has no phase '${phase}'`,
        `use --phase ${Object.keys(SYNTHETIC_PHASE_OFFSETS).join(", ")}`,
      );
    }
    const count = options.syntheticCount;
    return {
      sources: Array.from({ length: count }, (_, i) => ({ kind: "synthetic", index: offset + i })),
      unpaired: [],
    };
  }
  if (dataroot === undefined) {
    throw new UserError(
      `--dataroot is needed for --dataset-mode ${datasetMode}`,
      "give the dataset folder, or use --dataset-mode synthetic for the built-in data",
    );
  }
  if (datasetMode === "aligned") return { sources: alignedSources(dataroot, phase), unpaired: [] };
  return folderSources(dataroot, phase);
}

/** Reads a pair's image header(s): its size, or what is wrong with it. */
async function inspectSource(source: PairSource): Promise<Size> {
  if (source.kind === "synthetic") throw new Error("synthetic pairs have no files");
  if (source.kind === "aligned") {
    const size = await readImageSize(source.path);
    checkAlignedSize(source.path, size);
    return { width: size.width / 2, height: size.height };
  }
  const [a, b] = await Promise.all([readImageSize(source.pathA), readImageSize(source.pathB)]);
  checkPartnerSizes(source.pathA, a, source.pathB, b);
  return a;
}

interface Inspection {
  readonly good: PairSource[];
  readonly bad: SkippedFile[];
  readonly sizes: Size[];
}

/** Checks every pair's headers (no pixel decoding): sizes of the good ones, problems of the bad ones. */
export async function inspectSources(sources: readonly PairSource[]): Promise<Inspection> {
  type Outcome = { source: PairSource; size: Size } | { source: PairSource; bad: SkippedFile };
  const outcomes = await mapLimited(sources, 16, async (source): Promise<Outcome> => {
    try {
      return { source, size: await inspectSource(source) };
    } catch (error) {
      if (error instanceof BadImageError)
        return { source, bad: { path: error.path, problem: error.problem } };
      throw error;
    }
  });
  const good: PairSource[] = [];
  const sizes: Size[] = [];
  const bad: SkippedFile[] = [];
  for (const outcome of outcomes) {
    if ("bad" in outcome) bad.push(outcome.bad);
    else {
      good.push(outcome.source);
      sizes.push(outcome.size);
    }
  }
  return { good, bad, sizes };
}

export function badFilesError(bad: readonly SkippedFile[]): UserError {
  const first = bad[0] as SkippedFile;
  const others = bad.length > 1 ? ` (and ${bad.length - 1} more bad file${bad.length > 2 ? "s" : ""})` : "";
  return new UserError(
    `${first.path} ${first.problem}${others}`,
    "fix or remove it; --skip-bad leaves bad files out, and 'pix2pix datasets check <dir>' lists every problem",
  );
}

class Dataset implements PairedDataset {
  readonly skipped: SkippedFile[];
  private readonly skippedPaths: Set<string>;

  constructor(
    private readonly sources: PairSource[],
    skippedAtOpen: readonly SkippedFile[],
    private readonly options: DataOptions,
    private readonly loader: PairLoader,
    private readonly warn: (message: string) => void,
  ) {
    this.skipped = [...skippedAtOpen];
    this.skippedPaths = new Set(skippedAtOpen.map((s) => s.path));
  }

  get size(): number {
    return this.sources.length;
  }

  batches(batchSize: number, rng: Rng): AsyncIterable<PairBatch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new UserError(`the batch size must be a positive integer, got ${batchSize}`);
    }
    // Everything random is drawn now, in order, so the epoch does not depend on when workers answer.
    const order = this.sources.map((_, i) => i);
    if (!this.options.serialBatches) rng.shuffle(order);
    const o = this.options;
    const transform: TransformOptions = {
      preprocess: o.preprocess,
      loadSize: o.loadSize,
      cropSize: o.cropSize,
      noFlip: o.noFlip,
    };
    const jobs: PairJob[] = order.map((i) => ({
      source: this.sources[i] as PairSource,
      augmentation: drawAugmentation(rng, o.noFlip),
      transform,
      inputSide: o.direction === "AtoB" ? "A" : "B",
      inputNc: channels("input-nc", o.inputNc),
      outputNc: channels("output-nc", o.outputNc),
    }));
    return { [Symbol.asyncIterator]: () => this.epoch(jobs, batchSize) };
  }

  private async *epoch(jobs: readonly PairJob[], batchSize: number): AsyncGenerator<PairBatch> {
    const window = Math.max(2 * batchSize, 2 * this.options.numThreads, 4);
    const inFlight: { job: PairJob; result: Promise<PairResult> }[] = [];
    let next = 0;
    const fill = () => {
      while (next < jobs.length && inFlight.length < window) {
        const job = jobs[next++] as PairJob;
        const result = this.loader.load(job);
        // A consumer that stops early leaves results unread: a failed one must not become an unhandled rejection.
        result.catch(() => {});
        inFlight.push({ job, result });
      }
    };
    const skippedBefore = this.skipped.length;
    fill();
    while (inFlight.length > 0) {
      const members: { job: PairJob; result: Extract<PairResult, { ok: true }> }[] = [];
      while (members.length < batchSize && inFlight.length > 0) {
        const { job, result } = inFlight.shift() as (typeof inFlight)[number];
        fill();
        const loaded = await result;
        if (loaded.ok) members.push({ job, result: loaded });
        else this.reject(loaded);
      }
      if (members.length > 0) yield this.assemble(members);
    }
    const newlySkipped = this.skipped.slice(skippedBefore);
    if (newlySkipped.length > 0) {
      this.warn(
        `skipped ${newlySkipped.length} bad file(s) this epoch: ${listSome(newlySkipped.map((s) => `${s.path} (${s.problem})`))}`,
      );
    }
  }

  /** A pair that failed to load: an error, or under --skip-bad a file left out from now on. */
  private reject(failure: Extract<PairResult, { ok: false }>): void {
    const bad = { path: failure.path, problem: failure.problem };
    if (!this.options.skipBad) throw badFilesError([bad]);
    if (this.skippedPaths.has(bad.path)) return;
    this.skippedPaths.add(bad.path);
    this.skipped.push(bad);
    const remaining = this.sources.filter((s) => !this.uses(s, bad.path));
    this.sources.splice(0, this.sources.length, ...remaining);
  }

  private uses(source: PairSource, path: string): boolean {
    return source.kind === "folders"
      ? source.pathA === path || source.pathB === path
      : sourcePath(source) === path;
  }

  private assemble(members: { job: PairJob; result: Extract<PairResult, { ok: true }> }[]): PairBatch {
    const { inputNc, outputNc } = (members[0] as (typeof members)[number]).job;
    const samples = members.map(({ job, result }) => ({
      name: sourcePath(job.source),
      size: result.size,
      input: result.input,
      target: result.target,
    }));
    return stackSamples(samples, inputNc, outputNc);
  }

  close(): Promise<void> {
    return this.loader.close();
  }
}

/**
 * Opens the dataset the options describe, checking every file's header up front: a missing folder, an
 * unpaired file, an odd-width aligned image or a non-image is one UserError naming the file (or, with
 * --skip-bad, a skipped file). Same rng state → same batches; opening draws nothing from rng.
 */
export async function openPairedDataset(
  options: DataOptions,
  _rng: Rng,
  hooks: OpenHooks = {},
): Promise<PairedDataset> {
  const warn = hooks.warn ?? ((message: string) => console.warn(`pix2pix: warning: ${message}`));
  channels("input-nc", options.inputNc);
  channels("output-nc", options.outputNc);
  checkSizes(options);
  const { sources: listed, unpaired } = listSources(options);
  const limited = options.maxDatasetSize > 0 ? listed.slice(0, options.maxDatasetSize) : listed;
  const bad: SkippedFile[] = unpaired.map((path) => ({
    path,
    problem: "has no partner of the same name in the other folder",
  }));
  if (bad.length > 0 && !options.skipBad) {
    throw new UserError(
      `${bad.length} file(s) have no partner of the same name in the other folder: ${listSome(unpaired, 20)}`,
      "A/x.jpg pairs with B/x.jpg (any extension); add the partners or remove these, or pass --skip-bad",
    );
  }
  let sources = limited;
  if (options.datasetMode !== "synthetic") {
    const inspection = await inspectSources(limited);
    bad.push(...inspection.bad);
    if (inspection.bad.length > 0 && !options.skipBad) throw badFilesError(inspection.bad);
    sources = inspection.good;
    const rounding = inspection.sizes
      .map((size) => roundingWarning(size, options))
      .find((w) => w !== undefined);
    if (rounding) warn(rounding);
  }
  if (sources.length === 0) {
    throw new UserError(
      "the dataset has no usable pairs",
      bad.length > 0 ? `all ${bad.length} were bad` : undefined,
    );
  }
  if (bad.length > 0) {
    warn(`skipping ${bad.length} bad file(s): ${listSome(bad.map((s) => `${s.path} (${s.problem})`))}`);
  }
  // No more worker threads than pairs: a small sample set should not pay for idle threads' start-up.
  const loader = createPairLoader(Math.min(options.numThreads, sources.length));
  return new Dataset(sources, bad, options, loader, warn);
}
