/**
 * What a paired dataset is: batches of (input, target) pairs as NHWC float32 in [-1, 1], served epoch by
 * epoch. data/open.ts opens one from files or the synthetic generator.
 */
import type { Rng } from "../random.ts";

export type Shape4 = [number, number, number, number];

/**
 * One batch, NHWC float32 in [-1, 1]. The direction is already applied: `a` is the generator's input
 * (the reference's real_A: file side A for AtoB, side B for BtoA) with `input-nc` channels, and `b` is
 * the target with `output-nc` channels. The last batch of an epoch may be smaller (as the reference's
 * DataLoader, drop_last false).
 */
export interface PairBatch {
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly shapeA: Shape4;
  readonly shapeB: Shape4;
  /** The pairs' source paths (side A's file for two folders), for reports. */
  readonly paths: string[];
}

/** A file the dataset left out under --skip-bad, and why. */
export interface SkippedFile {
  readonly path: string;
  readonly problem: string;
}

export interface PairedDataset {
  /** Pairs per epoch. */
  readonly size: number;
  /** One epoch of batches; shuffling, crops and flips drawn from rng (same rng state → same batches). */
  batches(batchSize: number, rng: Rng): AsyncIterable<PairBatch>;
  /** Files left out so far under --skip-bad (always empty without it: a bad file is a UserError). */
  readonly skipped: readonly SkippedFile[];
  /** Stops the worker threads. */
  close(): Promise<void>;
}

export interface OpenHooks {
  /** Where warnings go (sizes rounded for the generator, files skipped); console.warn when absent. */
  readonly warn?: (message: string) => void;
}
