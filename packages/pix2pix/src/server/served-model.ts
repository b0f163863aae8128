/**
 * One loaded generator being served: its weights, its input size and its inference queue. Requests
 * use it between `acquire()` and `release()`; `close()` waits for them before freeing the weights.
 */
import { openGenerator, type ResolvedGenerator } from "../infer/generator-file.ts";
import { networkSize } from "../infer/translate-image.ts";
import { type InferenceMode, translatePixels } from "../infer/translate-pixels.ts";
import type { ImagePixels } from "../io/images.ts";
import type { Network } from "../nn/network.ts";
import { Batcher, type BatcherLimits } from "./batcher.ts";

/** Where a model comes from: a file in --models, or a run under --checkpoints-dir. */
export interface ModelEntry {
  readonly name: string;
  readonly source: "file" | "run";
  /** What openGenerator takes: the file, or the run folder. */
  readonly model: string;
  /** The weights file, whose changes reload the model. */
  readonly weights: string;
}

export interface ModelSummary extends ResolvedGenerator {
  readonly name: string;
  readonly source: "file" | "run";
  /** The square size images are resized to before the network. */
  readonly loadSize: number;
}

export interface TranslationJob {
  /** At the model's input size and channels. */
  readonly image: ImagePixels;
  readonly mode: InferenceMode;
}

function weightBytes(network: Network): number {
  let values = 0;
  for (const v of [...network.params.values(), ...network.buffers.values()]) values += v.size;
  return values * 4;
}

/** Forward passes of one batch shape: how many ran, and how many of their images were requests'. */
export interface PassCount {
  readonly passes: number;
  readonly images: number;
}

export class ServedModel {
  private users = 0;
  private closing = false;
  private released: (() => void) | undefined;
  private readonly queue: Batcher<TranslationJob, ImagePixels>;
  private readonly maxBatch: number;
  /** Forward passes by batch shape (1 or --max-batch, see translateJobs). */
  readonly passes = new Map<number, PassCount>();

  private constructor(
    readonly summary: ModelSummary,
    /** The weights file's version (mtime and size) this model was loaded from. */
    readonly version: string,
    private readonly network: Network,
    seed: number,
    limits: BatcherLimits,
    arriving: () => number,
  ) {
    this.queue = new Batcher((jobs) => this.translateJobs(jobs, seed), limits, arriving);
    this.maxBatch = limits.maxBatch;
  }

  static async open(
    entry: ModelEntry,
    version: string,
    o: { loadSize: number; seed: number; limits: BatcherLimits; arriving: () => number },
  ): Promise<ServedModel> {
    const { network, architecture, trainedSize } = await openGenerator(entry.model);
    const loadSize = networkSize({ netG: architecture.netG, loadSize: trainedSize ?? o.loadSize });
    const summary = { name: entry.name, source: entry.source, ...architecture, loadSize };
    return new ServedModel(summary, version, network, o.seed, o.limits, o.arriving);
  }

  readonly bytes = (): number => weightBytes(this.network);

  /** How many batches of each size the queue has run. */
  get batchSizes(): ReadonlyMap<number, number> {
    return this.queue.batchSizes;
  }

  /** Marks the model in use; false when it is closing (take a fresh one from the registry). */
  acquire(): boolean {
    if (this.closing) return false;
    this.users++;
    return true;
  }

  release(): void {
    this.users--;
    if (this.users === 0) this.released?.();
  }

  /** G's output for one image, batched with the requests that arrive with it. */
  translate(job: TranslationJob, signal?: AbortSignal): Promise<ImagePixels> {
    return this.queue.submit(job, signal);
  }

  /** A request that was on its way has reached the queue or given up: a waiting batch may start. */
  wake(): void {
    this.queue.wake();
  }

  /** Frees the weights once no request uses them. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.users > 0) await new Promise<void>((resolve) => (this.released = resolve));
    await this.queue.idle();
    this.network.dispose();
  }

  /**
   * Each mode's images (translatePixels answers each as it would alone, in both modes) in forward
   * passes of two shapes only, 1 and --max-batch: the onednn backend keeps compiled convolutions and
   * pooled activation buffers per batch shape, so every size up to --max-batch would add to the
   * model's memory (one filter copy serves every shape). A group of at least three quarters of
   * --max-batch runs as one pass, padded with copies of its first image; a smaller one image by image,
   * which costs less than padding it (a U-Net-256 at batch 8 spends ~0.7 of batch 1's time per image).
   */
  private async translateJobs(jobs: TranslationJob[], seed: number): Promise<ImagePixels[]> {
    const outputs: ImagePixels[] = new Array(jobs.length);
    for (const mode of ["eval", "test"] as const) {
      const at = jobs.flatMap((job, i) => (job.mode === mode ? [i] : []));
      const together = 4 * at.length >= 3 * this.maxBatch;
      for (const pass of together ? [at] : at.map((i) => [i])) {
        const images = pass.map((i) => (jobs[i] as TranslationJob).image);
        const shape = together ? this.maxBatch : 1;
        while (images.length < shape) images.push(images[0] as ImagePixels);
        const results = await translatePixels(this.network, images, mode, seed);
        for (const [k, i] of pass.entries()) outputs[i] = results[k] as ImagePixels;
        const count = this.passes.get(shape) ?? { passes: 0, images: 0 };
        this.passes.set(shape, { passes: count.passes + 1, images: count.images + pass.length });
      }
    }
    return outputs;
  }
}
