/**
 * The building blocks of the reference's networks, as functions of NHWC tensors, with their variables
 * registered under the reference's state-dict keys. A `Module` is placed at a key (its index in a
 * PyTorch Sequential, its attribute name) and becomes a `Layer`; parameterless modules still take their
 * index, so keys line up with the reference's `nn.Sequential` numbering. Browser-safe.
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedBatchNormTraining, leakyRelu as leakyReluFused } from "../ops/index.ts";
import type { Rng } from "../random.ts";
import { batchNormWeight, convWeight, type InitConfig } from "./init.ts";
import { tfjsShape, torchToTfjs } from "./layout.ts";
import type { Mode, Network } from "./network.ts";

export const NORMS = ["batch", "instance", "none"] as const;
export type NormName = (typeof NORMS)[number];

export interface Context {
  readonly mode: Mode;
  readonly rng: Rng;
}
export type Layer = (x: tf.Tensor4D, ctx: Context) => tf.Tensor4D;
/** A layer not yet placed: given its state-dict key, it creates its variables and returns the layer. */
export type Module = (key: string) => Layer;

const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;

export function join(key: string, name: string | number): string {
  return key === "" ? String(name) : `${key}.${name}`;
}

/**
 * Creates and owns a network's variables, drawing initial weights from one Rng in creation order. With
 * no Rng (null), weights start as zeros and BatchNorm scales as ones: for a network whose weights are
 * loaded next, drawing them would be wasted time (seconds for a full-size U-Net).
 */
export class VariableStore {
  readonly params = new Map<string, tf.Variable>();
  readonly buffers = new Map<string, tf.Variable>();

  constructor(
    private readonly init: InitConfig,
    private readonly rng: Rng | null,
  ) {}

  private add(into: Map<string, tf.Variable>, key: string, value: tf.Tensor, trainable: boolean) {
    if (this.params.has(key) || this.buffers.has(key)) throw new Error(`duplicate variable ${key}`);
    // Unnamed: tfjs variable names are global, and two networks share keys.
    const variable = tf.variable(value, trainable);
    value.dispose();
    into.set(key, variable);
    return variable;
  }

  /** A conv weight given its PyTorch shape (OIHW, or IOHW when transposed); stored in tfjs layout. */
  convWeight(key: string, torchShape: number[]): tf.Variable {
    if (!this.rng) return this.add(this.params, key, tf.zeros(tfjsShape(torchShape)), true);
    const host = torchToTfjs({ shape: torchShape, data: convWeight(torchShape, this.init, this.rng) });
    return this.add(this.params, key, tf.tensor(host.data, [...host.shape], "float32"), true);
  }

  zeros(key: string, size: number): tf.Variable {
    return this.add(this.params, key, tf.zeros([size]), true);
  }

  batchNorm(key: string, channels: number) {
    return {
      weight: this.add(
        this.params,
        join(key, "weight"),
        this.rng ? tf.tensor1d(batchNormWeight(channels, this.init, this.rng)) : tf.ones([channels]),
        true,
      ),
      bias: this.zeros(join(key, "bias"), channels),
      runningMean: this.add(this.buffers, join(key, "running_mean"), tf.zeros([channels]), false),
      runningVar: this.add(this.buffers, join(key, "running_var"), tf.ones([channels]), false),
      batches: this.add(this.buffers, join(key, "num_batches_tracked"), tf.scalar(0, "int32"), false),
    };
  }

  /** The network: `root` placed at the empty key, run inside tf.tidy. */
  network(root: Module): Network {
    const layer = root("");
    const variables = [...this.params.values(), ...this.buffers.values()];
    return {
      params: this.params,
      buffers: this.buffers,
      apply: (x, mode, rng) => tf.tidy(() => layer(x, { mode, rng })),
      dispose: () => {
        for (const v of variables) v.dispose();
      },
    };
  }
}

export interface ConvSpec {
  readonly inC: number;
  readonly outC: number;
  readonly kernel: number;
  readonly stride: number;
  /** Zero padding on every side, or TF's "same" (the Keras discriminator). */
  readonly padding: number | "same";
  readonly bias: boolean;
}

export function conv2d(store: VariableStore, spec: ConvSpec): Module {
  return (key) => {
    const weight = store.convWeight(join(key, "weight"), [spec.outC, spec.inC, spec.kernel, spec.kernel]);
    const bias = spec.bias ? store.zeros(join(key, "bias"), spec.outC) : undefined;
    return (x) => {
      const y = tf.conv2d(x, weight as tf.Tensor4D, spec.stride, spec.padding);
      return bias ? tf.add(y, bias) : y;
    };
  };
}

export interface ConvTransposeSpec {
  readonly inC: number;
  readonly outC: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly bias: boolean;
}

/**
 * PyTorch's ConvTranspose2d: the full ("valid") transposed conv, then `padding` cropped from the top and
 * left and `padding − outputPadding` from the bottom and right. Cropping (rather than tfjs's "same")
 * keeps PyTorch's asymmetry for odd kernels with output_padding; without output padding the crop is
 * symmetric, which tfjs's numeric padding expresses directly.
 */
export function convTranspose2d(store: VariableStore, spec: ConvTransposeSpec): Module {
  return (key) => {
    const weight = store.convWeight(join(key, "weight"), [spec.inC, spec.outC, spec.kernel, spec.kernel]);
    const bias = spec.bias ? store.zeros(join(key, "bias"), spec.outC) : undefined;
    return (x) => {
      const [n, h, w] = x.shape;
      const full = (size: number) => (size - 1) * spec.stride + spec.kernel;
      const out = (size: number) => full(size) - 2 * spec.padding + spec.outputPadding;
      const cropped =
        spec.outputPadding === 0
          ? // A symmetric crop is the transposed conv's own padding: only the kept elements are computed,
            // with no full-size intermediate and no pass to slice it.
            tf.conv2dTranspose(
              x,
              weight as tf.Tensor4D,
              [n, out(h), out(w), spec.outC],
              spec.stride,
              spec.padding,
            )
          : tf.slice(
              tf.conv2dTranspose(
                x,
                weight as tf.Tensor4D,
                [n, full(h), full(w), spec.outC],
                spec.stride,
                "valid",
              ),
              [0, spec.padding, spec.padding, 0],
              [n, out(h), out(w), spec.outC],
            );
      return bias ? tf.add(cropped, bias) : cropped;
    };
  };
}

/**
 * `fusedBatchNorm`: batch norm with batch statistics may run as the backend's single fused kernel (two
 * passes over memory each way instead of a dozen). Only for networks never differentiated twice: the
 * fused kernel's gradient has no gradient itself, and the WGAN-GP penalty differentiates D twice.
 */
export interface NormOptions {
  readonly fusedBatchNorm?: boolean;
}

/** Generators are differentiated once per step: the WGAN-GP penalty's second derivative goes through D only. */
export const GENERATOR_NORM: NormOptions = { fusedBatchNorm: true };

/** The reference's get_norm_layer: BatchNorm2d (affine, running stats), InstanceNorm2d (neither), Identity. */
export function norm(
  store: VariableStore,
  kind: NormName,
  channels: number,
  options: NormOptions = {},
): Module {
  switch (kind) {
    case "batch":
      return (key) => batchNorm(store.batchNorm(key, channels), options.fusedBatchNorm ?? false);
    case "instance":
      return () => instanceNorm;
    case "none":
      return () => (x) => x;
  }
}

function normalize(x: tf.Tensor4D, mean: tf.Tensor, variance: tf.Tensor): tf.Tensor4D {
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BN_EPS)));
}

type BatchNormVariables = ReturnType<VariableStore["batchNorm"]>;

function affine(normalized: tf.Tensor4D, v: BatchNormVariables): tf.Tensor4D {
  return tf.add(tf.mul(normalized, v.weight), v.bias);
}

/** Batch norm with batch statistics: the output, and the statistics for the running averages. */
function withBatchStatistics(
  x: tf.Tensor4D,
  v: BatchNormVariables,
  fused: boolean,
): { y: tf.Tensor4D; mean: tf.Tensor; variance: tf.Tensor } {
  if (fused) {
    const result = fusedBatchNormTraining(x, v.weight as tf.Tensor1D, v.bias as tf.Tensor1D, BN_EPS);
    return { ...result, y: result.y as tf.Tensor4D };
  }
  // Op by op: a fused kernel's gradient has no gradient of its own, and WGAN-GP differentiates D twice.
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return { y: affine(normalize(x, mean, variance), v), mean, variance };
}

/**
 * PyTorch: running stats take the unbiased batch variance, with momentum 0.1. These ops are off the
 * loss's path, so they add nothing to any gradient.
 */
function updateRunningStatistics(
  v: BatchNormVariables,
  x: tf.Tensor4D,
  mean: tf.Tensor,
  variance: tf.Tensor,
) {
  const [n, h, w] = x.shape;
  const count = n * h * w;
  tf.tidy(() => {
    const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
    v.runningMean.assign(tf.add(tf.mul(v.runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
    v.runningVar.assign(tf.add(tf.mul(v.runningVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
    v.batches.assign(tf.add(v.batches, tf.scalar(1, "int32")));
  });
}

/**
 * Running statistics: per channel, y = x·scale + shift, with scale = w / √(var + eps) and shift =
 * b − mean·scale computed on the channel vectors, so the image is read and written twice, not four times.
 */
function withRunningStatistics(x: tf.Tensor4D, v: BatchNormVariables): tf.Tensor4D {
  const scale = tf.mul(v.weight, tf.rsqrt(tf.add(v.runningVar, BN_EPS)));
  const shift = tf.sub(v.bias, tf.mul(v.runningMean, scale));
  return tf.add(tf.mul(x, scale), shift);
}

/**
 * Each sample normalised by its own statistics, by the same computation as a batch of one (so the
 * answer is bit-identical to running it alone), then put back together.
 */
function withSampleStatistics(x: tf.Tensor4D, v: BatchNormVariables, fused: boolean): tf.Tensor4D {
  if (x.shape[0] === 1) return withBatchStatistics(x, v, fused).y;
  return tf.concat(
    tf.split<tf.Tensor4D>(x, x.shape[0]).map((sample) => withBatchStatistics(sample, v, fused).y),
    0,
  );
}

function batchNorm(v: BatchNormVariables, fused: boolean): Layer {
  return (x, { mode }) => {
    if (mode === "eval") return withRunningStatistics(x, v);
    if (mode === "test-each") return withSampleStatistics(x, v, fused);
    const { y, mean, variance } = withBatchStatistics(x, v, fused);
    if (mode === "train") updateRunningStatistics(v, x, mean, variance);
    return y;
  };
}

/** InstanceNorm2d(affine=False, track_running_stats=False): per-sample statistics in every mode. */
const instanceNorm: Layer = (x) => {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return normalize(x, mean, variance);
};

export const relu: Module = () => (x) => leakyReluFused(x, 0);
export const leakyRelu: Module = () => (x) => leakyReluFused(x, 0.2);
export const tanh: Module = () => (x) => tf.tanh(x);

/**
 * Dropout(0.5) in train and test modes, off in eval; inverted scaling as PyTorch. Masks come from the
 * Rng; in test-each mode one sample's mask serves every sample (the mask each would get alone).
 */
export const dropout: Module =
  () =>
  (x, { mode, rng }) => {
    if (mode === "eval") return x;
    const [n, h, w, c] = x.shape;
    const shape: [number, number, number, number] = [mode === "test-each" ? 1 : n, h, w, c];
    const mask = new Float32Array(shape[0] * h * w * c);
    for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < 0.5 ? 0 : 2;
    return tf.mul(x, tf.tensor(mask, shape));
  };

/**
 * ReflectionPad2d, built from slices and reversals: tfjs's mirrorPad gradient ignores the reflected
 * copies (it only crops), which would make the gradients of every ResNet conv wrong.
 */
export function reflectionPad(p: number): Module {
  const padAxis = (x: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D => {
    const size = x.shape[axis];
    const begin = [0, 0, 0, 0];
    const len = [...x.shape];
    const part = (from: number) => {
      begin[axis] = from;
      len[axis] = p;
      return tf.reverse(tf.slice(x, [...begin], [...len]), axis);
    };
    return tf.concat([part(1), x, part(size - 1 - p)], axis);
  };
  return () => (x) => padAxis(padAxis(x, 1), 2);
}

/** nn.Sequential: children at keys `key.0`, `key.1`, … */
export function sequential(...modules: Module[]): Module {
  return (key) => {
    const layers = modules.map((m, i) => m(join(key, i)));
    return (x, ctx) => layers.reduce((y, layer) => layer(y, ctx), x);
  };
}

/** A submodule held in a named attribute (`self.model = …`): its key gains the name. */
export function named(name: string, module: Module): Module {
  return (key) => module(join(key, name));
}
