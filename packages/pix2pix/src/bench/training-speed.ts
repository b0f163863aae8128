/**
 * The speed of pix2pix training and inference on the active tfjs backend, measured the way the
 * PyTorch baseline (/work/shared/reference/torch_pix2pix.py) measures it: the reference model (U-Net
 * generator with batch norm and dropout, 70x70 PatchGAN, vanilla GAN loss + 100·L1, Adam 2e-4 / 0.5)
 * on random data, the median of `iters` timed iterations after one warm-up. On the onednn backend one
 * more, untimed iteration runs with the per-kernel timer on, for the kernels' shares of the time and
 * the calls that fell back from a native kernel to the cpu one.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelTime } from "tfjs-backend-onednn";
import { createDiscriminator, createGenerator } from "../models/index.ts";
import type { GeneratorName } from "../models/options.ts";
import { Rng } from "../random.ts";
import { Adam, PYTORCH_ADAM } from "../train/adam.ts";
import { type Pix2pixModel, type StepSettings, trainStep } from "../train/step.ts";

export interface SpeedOptions {
  readonly size: number;
  readonly ngf: number;
  readonly ndf: number;
  readonly batch: number;
  readonly iters: number;
}

export interface SpeedReport {
  readonly backend: string;
  readonly size: number;
  readonly ngf: number;
  readonly ndf: number;
  readonly batch: number;
  readonly train_s_per_iter: number;
  readonly infer_s_per_batch: number;
  /** Convolution GFLOP of one training iteration per second of it; null where kernels cannot be timed. */
  readonly gflops_per_s: number | null;
  /** Each kernel's share of the kernel time of one training iteration, largest first (those ≥ 0.1%). */
  readonly kernels: Readonly<Record<string, number>>;
  /**
   * The share of the calls a native kernel handed to the cpu backend's (a dtype or layout it does not
   * cover), by kernel, every one listed: a slow path that should not be there.
   */
  readonly fallbacks: Readonly<Record<string, number>>;
}

const SETTINGS: StepSettings = { ganMode: "vanilla", lambdaL1: 100, lr: 2e-4, unconditionalD: false };

/** The U-Net the baseline builds for this size: 8 downsamplings at 256 px, 7 at 128. */
export function generatorForSize(size: number): GeneratorName | undefined {
  if (size % 256 === 0) return "unet_256";
  if (size % 128 === 0) return "unet_128";
  return undefined;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function seconds(run: () => void): number {
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

type KernelShares = Record<string, number>;

/** Each entry's share of `total` milliseconds, largest first, those below `minShare` left out. */
function shares(times: ReadonlyMap<string, KernelTime>, total: number, minShare: number): KernelShares {
  const entries = [...times]
    .map(([name, { millis }]) => [name, millis / total] as const)
    .filter(([, share]) => share >= minShare)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(entries.map(([name, share]) => [name, Number(share.toFixed(4))]));
}

/** The kernel profile of one call of `run`, when the onednn backend is active. */
async function profileOnednn(
  run: () => void,
): Promise<{ kernels: KernelShares; fallbacks: KernelShares; convFlops: number } | null> {
  if (tf.getBackend() !== "onednn") return null;
  const { startKernelProfile, stopKernelProfile } = await import("tfjs-backend-onednn");
  startKernelProfile();
  run();
  const profile = stopKernelProfile();
  const total = [...profile.kernels.values(), ...profile.fallbacks.values()].reduce(
    (sum, { millis }) => sum + millis,
    0,
  );
  return {
    kernels: shares(profile.kernels, total, 0.001),
    fallbacks: shares(profile.fallbacks, total, 0),
    convFlops: profile.convFlops,
  };
}

export async function measureTrainingSpeed(o: SpeedOptions): Promise<SpeedReport> {
  const netG = generatorForSize(o.size);
  if (netG === undefined) throw new Error(`size ${o.size} is not a multiple of 128`);
  const rng = Rng.fromSeed(0);
  const init = { norm: "batch", initType: "normal", initGain: 0.02 } as const;
  const g = createGenerator({ ...init, netG, ngf: o.ngf, dropout: true, inputNc: 3, outputNc: 3 }, rng);
  const d = createDiscriminator({ ...init, netD: "basic", ndf: o.ndf, nLayersD: 3, inputNc: 6 }, rng);
  const adam = { ...PYTORCH_ADAM, beta1: 0.5 };
  const model: Pix2pixModel = {
    g,
    d,
    optimizerG: new Adam(g.params, adam),
    optimizerD: new Adam(d.params, adam),
  };
  const shape: [number, number, number, number] = [o.batch, o.size, o.size, 3];
  const a = tf.randomUniform(shape, -1, 1, "float32", 1) as tf.Tensor4D;
  const b = tf.randomUniform(shape, -1, 1, "float32", 2) as tf.Tensor4D;
  try {
    const train = () => trainStep(model, SETTINGS, a, b, rng);
    // The baseline runs G in train mode under no_grad: batch statistics and dropout, as our "test" mode.
    // The values are read outside tidy: tidy walks whatever it returns, element by element for a typed
    // array (~0.1 s for a 256 px output), which is no part of inference.
    const infer = () => {
      const y = g.apply(a, "test", rng);
      y.dataSync();
      y.dispose();
    };
    const trainTimes = Array.from({ length: o.iters + 1 }, () => seconds(train)).slice(1);
    const inferTimes = Array.from({ length: o.iters + 1 }, () => seconds(infer)).slice(1);
    const profile = await profileOnednn(train);
    const trainSeconds = median(trainTimes);
    return {
      backend: tf.getBackend(),
      size: o.size,
      ngf: o.ngf,
      ndf: o.ndf,
      batch: o.batch,
      train_s_per_iter: Number(trainSeconds.toFixed(4)),
      infer_s_per_batch: Number(median(inferTimes).toFixed(4)),
      gflops_per_s: profile === null ? null : Number((profile.convFlops / 1e9 / trainSeconds).toFixed(1)),
      kernels: profile?.kernels ?? {},
      fallbacks: profile?.fallbacks ?? {},
    };
  } finally {
    for (const t of [a, b]) t.dispose();
    model.optimizerG.dispose();
    model.optimizerD.dispose();
    g.dispose();
    d.dispose();
  }
}
