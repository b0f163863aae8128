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

export class ServedModel {
  private users = 0;
  private closing = false;
  private released: (() => void) | undefined;
  private readonly queue: Batcher<TranslationJob, ImagePixels>;

  private constructor(
    readonly summary: ModelSummary,
    /** The weights file's version (mtime and size) this model was loaded from. */
    readonly version: string,
    private readonly network: Network,
    seed: number,
    limits: BatcherLimits,
  ) {
    this.queue = new Batcher((jobs) => this.translateJobs(jobs, seed), limits);
  }

  static async open(
    entry: ModelEntry,
    version: string,
    o: { loadSize: number; seed: number; limits: BatcherLimits },
  ): Promise<ServedModel> {
    const { network, architecture, trainedSize } = await openGenerator(entry.model);
    const loadSize = networkSize({ netG: architecture.netG, loadSize: trainedSize ?? o.loadSize });
    const summary = { name: entry.name, source: entry.source, ...architecture, loadSize };
    return new ServedModel(summary, version, network, o.seed, o.limits);
  }

  readonly bytes = (): number => weightBytes(this.network);

  get batchSizes(): readonly number[] {
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

  /** Frees the weights once no request uses them. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.users > 0) await new Promise<void>((resolve) => (this.released = resolve));
    await this.queue.idle();
    this.network.dispose();
  }

  /**
   * Test-mode images run one by one and eval-mode ones together (translatePixels); answers keep their
   * order. An eval batch is padded to a power of two with copies of its first image (in eval mode an
   * image's answer does not depend on the others): the onednn backend keeps compiled convolutions and
   * filter copies per batch shape, so a few shapes keep memory flat where every size from 1 to
   * --max-batch would add a U-Net-256's filters each.
   */
  private async translateJobs(jobs: TranslationJob[], seed: number): Promise<ImagePixels[]> {
    const outputs: ImagePixels[] = new Array(jobs.length);
    for (const mode of ["eval", "test"] as const) {
      const at = jobs.flatMap((job, i) => (job.mode === mode ? [i] : []));
      const images = at.map((i) => (jobs[i] as TranslationJob).image);
      if (mode === "eval" && images.length > 0) {
        const padded = 2 ** Math.ceil(Math.log2(images.length));
        while (images.length < padded) images.push(images[0] as ImagePixels);
      }
      const results = await translatePixels(this.network, images, mode, seed);
      for (const [k, i] of at.entries()) outputs[i] = results[k] as ImagePixels;
    }
    return outputs;
  }
}
