/**
 * What one trajectory run is: the settings both sides read from config.json, and the files of the run
 * folder. Plain data, written once by prepare.ts.
 */
import path from "node:path";
import type { DiscriminatorName, GeneratorName } from "pix2pix-ts";

export interface TrajectoryConfig {
  /** Where the pairs come from, in words (the dataset folder, or the built-in synthetic facades). */
  readonly data: string;
  readonly seed: number;
  /** Crop size: the side of every training and evaluation image. */
  readonly size: number;
  readonly inputNc: number;
  readonly outputNc: number;
  readonly netG: GeneratorName;
  readonly netD: DiscriminatorName;
  readonly nLayersD: number;
  readonly ngf: number;
  readonly ndf: number;
  readonly norm: "batch";
  /** G with dropout, its masks shared (drawn from sfc32 seeded with dropoutSeed on both sides). */
  readonly dropout: boolean;
  readonly dropoutSeed: number;
  readonly ganMode: "vanilla" | "lsgan";
  readonly lambdaL1: number;
  readonly lr: number;
  readonly beta1: number;
  readonly lrPolicy: "linear" | "step" | "plateau" | "cosine";
  readonly epochCount: number;
  readonly nEpochs: number;
  readonly nEpochsDecay: number;
  readonly lrDecayIters: number;
  /** Pairs in the dataset: steps per epoch at batch size 1. */
  readonly stepsPerEpoch: number;
  readonly steps: number;
  /** After which steps both sides save their networks and G's eval-mode outputs (0: the start). */
  readonly dumpSteps: readonly number[];
  readonly evalCount: number;
  readonly torchThreads: number;
}

/** One step's record on either side. */
export interface StepRecord {
  readonly G_GAN: number;
  readonly G_L1: number;
  readonly D_real: number;
  readonly D_fake: number;
  readonly lr: number;
  readonly epoch: number;
}

export const SIDES = ["ts", "torch", "torch-perturbed"] as const;
export type Side = (typeof SIDES)[number];

export const runFiles = (dir: string) => ({
  config: path.join(dir, "config.json"),
  /** G.* and D.* initial state dicts (reference keys, PyTorch layouts), drawn by pix2pix-ts. */
  init: path.join(dir, "init.safetensors"),
  /** Per step, A then B, NHWC float32 in [-1, 1], batch size 1. */
  batches: path.join(dir, "batches.f32"),
  /** evalCount inputs A, then their targets B, NHWC float32. */
  eval: path.join(dir, "eval.f32"),
  losses: (side: Side) => path.join(dir, side, "losses.json"),
  dump: (side: Side, step: number) =>
    path.join(dir, side, `step_${String(step).padStart(6, "0")}.safetensors`),
  summary: path.join(dir, "summary.json"),
});
