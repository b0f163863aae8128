/**
 * The speed of pix2pix training and inference on the active tfjs backend, measured the way the
 * PyTorch baseline (tools/torch_reference/bench.py) measures it: the reference model (U-Net
 * generator with batch norm and dropout, 70x70 PatchGAN, vanilla GAN loss + 100·L1, Adam 2e-4 / 0.5)
 * on random data, the median of `iters` timed iterations after one warm-up; and the process's peak
 * memory after each phase, inference first. On the onednn backend one more, untimed call of each runs with the
 * per-kernel timer on, for the kernels' shares of the time, the calls that fell back from a native
 * kernel to the cpu one and the convolutions' FLOPs; and the machine's sgemm peak is measured first,
 * for the convolutions' utilization of it.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelProfile, KernelTime } from "tfjs-backend-onednn";
import { createDiscriminator, createGenerator } from "../models/index.ts";
import type { GeneratorName } from "../models/options.ts";
import type { Network } from "../nn/network.ts";
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

/** A convolution kernel's FLOPs over its own time, and that rate as a share of the sgemm peak. */
export interface ConvKernelRate {
  readonly gflops_per_s: number;
  readonly utilization: number;
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
  /** GFLOP/s of oneDNN's sgemm (2048², every thread, best of 5), measured before both phases; null off onednn. */
  readonly peak_gflops: number | null;
  /** gflops_per_s / peak_gflops. */
  readonly utilization: number | null;
  /** Convolution GFLOP of one inference per second of it. */
  readonly infer_gflops_per_s: number | null;
  /** infer_gflops_per_s / peak_gflops. */
  readonly infer_utilization: number | null;
  /** By convolution kernel of a training iteration (Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter). */
  readonly conv_kernels: Readonly<Record<string, ConvKernelRate>>;
  /** The same for one inference (Conv2D, and Conv2DBackpropInput for the transposed convolutions). */
  readonly infer_conv_kernels: Readonly<Record<string, ConvKernelRate>>;
  /**
   * The process's peak resident memory (MiB) when inference was done. Inference runs first, with a G
   * of its own: this is what generating images takes, nothing training left behind. (The sgemm before
   * it takes 48 MB for a moment: for a model much smaller than pix2pix's, that sets this peak.)
   */
  readonly infer_peak_rss_mb: number;
  /**
   * The process's peak resident memory (MiB) when training was done: the run's peak, which training
   * sets, from fresh weights as a training run starts (inference's G is disposed by then).
   */
  readonly train_peak_rss_mb: number;
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

/** The median seconds of `iters` calls of `run`, after one untimed warm-up call. */
function medianSeconds(run: () => void, iters: number): number {
  const times = Array.from({ length: iters + 1 }, () => {
    const start = performance.now();
    run();
    return (performance.now() - start) / 1000;
  });
  return median(times.slice(1));
}

/** Three significant digits: rates and shares span orders of magnitude between a tiny model and the real one. */
function rounded(value: number): number {
  return Number(value.toPrecision(3));
}

/** The peak resident set size of this process so far, in MiB. */
function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
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
async function profileOnednn(run: () => void): Promise<KernelProfile | null> {
  if (tf.getBackend() !== "onednn") return null;
  const { startKernelProfile, stopKernelProfile } = await import("tfjs-backend-onednn");
  startKernelProfile();
  run();
  return stopKernelProfile();
}

/** The machine's sgemm GFLOP/s, when the onednn backend is active. */
async function gemmPeak(): Promise<number | null> {
  if (tf.getBackend() !== "onednn") return null;
  const { measureGemmPeak } = await import("tfjs-backend-onednn");
  return measureGemmPeak();
}

interface Phase {
  readonly seconds: number;
  readonly profile: KernelProfile | null;
  readonly peakRssMb: number;
}

/** Times `run` (median of `iters` after a warm-up), profiles one more call, and reads the peak RSS. */
async function measurePhase(run: () => void, iters: number): Promise<Phase> {
  const seconds = medianSeconds(run, iters);
  const profile = await profileOnednn(run);
  return { seconds, profile, peakRssMb: peakRssMb() };
}

function totalConvFlops(profile: KernelProfile): number {
  return [...profile.convFlops.values()].reduce((sum, flops) => sum + flops, 0);
}

/** Each convolution kernel's FLOPs over its own time in the profile, and that over the peak. */
function convKernelRates(profile: KernelProfile, peak: number): Record<string, ConvKernelRate> {
  const rates: Record<string, ConvKernelRate> = {};
  for (const [name, flops] of profile.convFlops) {
    const millis = profile.kernels.get(name)?.millis ?? 0;
    if (flops <= 0 || millis <= 0) continue;
    const gflops = flops / 1e9 / (millis / 1000);
    rates[name] = { gflops_per_s: rounded(gflops), utilization: rounded(gflops / peak) };
  }
  return rates;
}

/** A phase's convolution GFLOP/s (its profiled FLOPs over its median time) against the sgemm peak. */
function convolutionRates({ profile, seconds }: Phase, peak: number | null) {
  if (profile === null || peak === null) return { gflops: null, utilization: null, kernels: {} };
  const gflops = totalConvFlops(profile) / 1e9 / seconds;
  return {
    gflops: rounded(gflops),
    utilization: rounded(gflops / peak),
    kernels: convKernelRates(profile, peak),
  };
}

function kernelShares(profile: KernelProfile | null): { kernels: KernelShares; fallbacks: KernelShares } {
  if (profile === null) return { kernels: {}, fallbacks: {} };
  const total = [...profile.kernels.values(), ...profile.fallbacks.values()].reduce(
    (sum, { millis }) => sum + millis,
    0,
  );
  return { kernels: shares(profile.kernels, total, 0.001), fallbacks: shares(profile.fallbacks, total, 0) };
}

const INIT = { norm: "batch", initType: "normal", initGain: 0.02 } as const;

function generator(o: SpeedOptions, netG: GeneratorName, rng: Rng): Network {
  return createGenerator({ ...INIT, netG, ngf: o.ngf, dropout: true, inputNc: 3, outputNc: 3 }, rng);
}

/**
 * Inference with a G of its own, disposed after. The baseline runs G in train mode under no_grad:
 * batch statistics and dropout, as our "test" mode. The values are read outside tidy: tidy walks
 * whatever it returns, element by element for a typed array (~0.1 s for a 256 px output), which is no
 * part of inference.
 */
async function measureInference(o: SpeedOptions, netG: GeneratorName, rng: Rng, a: tf.Tensor4D) {
  const g = generator(o, netG, rng);
  try {
    return await measurePhase(() => {
      const y = g.apply(a, "test", rng);
      y.dataSync();
      y.dispose();
    }, o.iters);
  } finally {
    g.dispose();
  }
}

/** Training from fresh weights and optimizer state, as a training run starts. */
async function measureTraining(
  o: SpeedOptions,
  netG: GeneratorName,
  rng: Rng,
  a: tf.Tensor4D,
  b: tf.Tensor4D,
) {
  const g = generator(o, netG, rng);
  const d = createDiscriminator({ ...INIT, netD: "basic", ndf: o.ndf, nLayersD: 3, inputNc: 6 }, rng);
  const adam = { ...PYTORCH_ADAM, beta1: 0.5 };
  const model: Pix2pixModel = {
    g,
    d,
    optimizerG: new Adam(g.params, adam),
    optimizerD: new Adam(d.params, adam),
  };
  try {
    return await measurePhase(() => trainStep(model, SETTINGS, a, b, rng), o.iters);
  } finally {
    for (const owned of [model.optimizerG, model.optimizerD, g, d]) owned.dispose();
  }
}

export async function measureTrainingSpeed(o: SpeedOptions): Promise<SpeedReport> {
  const netG = generatorForSize(o.size);
  if (netG === undefined) throw new Error(`size ${o.size} is not a multiple of 128`);
  const rng = Rng.fromSeed(0);
  const shape: [number, number, number, number] = [o.batch, o.size, o.size, 3];
  const a = tf.randomUniform(shape, -1, 1, "float32", 1) as tf.Tensor4D;
  const b = tf.randomUniform(shape, -1, 1, "float32", 2) as tf.Tensor4D;
  try {
    // First: its matrices (48 MB, freed after) stay below either phase's peak memory.
    const peak = await gemmPeak();
    // Inference next, while the process holds nothing else: its peak memory is what generating
    // images takes. Training's is then the run's peak, which training sets.
    const inference = await measureInference(o, netG, rng, a);
    const training = await measureTraining(o, netG, rng, a, b);
    const trainRates = convolutionRates(training, peak);
    const inferRates = convolutionRates(inference, peak);
    return {
      backend: tf.getBackend(),
      size: o.size,
      ngf: o.ngf,
      ndf: o.ndf,
      batch: o.batch,
      train_s_per_iter: Number(training.seconds.toFixed(4)),
      infer_s_per_batch: Number(inference.seconds.toFixed(4)),
      gflops_per_s: trainRates.gflops,
      ...kernelShares(training.profile),
      peak_gflops: peak === null ? null : rounded(peak),
      utilization: trainRates.utilization,
      infer_gflops_per_s: inferRates.gflops,
      infer_utilization: inferRates.utilization,
      conv_kernels: trainRates.kernels,
      infer_conv_kernels: inferRates.kernels,
      infer_peak_rss_mb: inference.peakRssMb,
      train_peak_rss_mb: training.peakRssMb,
    };
  } finally {
    tf.dispose([a, b]);
  }
}
