/**
 * Loads the compiled N-API addon (build/Release/onednn.node) and describes its functions. Every
 * function reads tfjs's own typed arrays in place and writes into an output array the caller allocated.
 */
import { createRequire } from "node:module";

/** The 15 numbers of a convolution's forward geometry, in the order native/conv.h reads them. */
export type ConvGeometry = readonly [
  batch: number,
  inHeight: number,
  inWidth: number,
  inChannels: number,
  outHeight: number,
  outWidth: number,
  outChannels: number,
  filterHeight: number,
  filterWidth: number,
  strideHeight: number,
  strideWidth: number,
  dilationHeight: number,
  dilationWidth: number,
  padTop: number,
  padLeft: number,
];

/** Whose weights layout: the forward convolution's (0) or the backward-data one's (1), as native/conv.h. */
export const WEIGHTS_USE = { forward: 0, backwardData: 1 } as const;
export type WeightsUse = (typeof WEIGHTS_USE)[keyof typeof WEIGHTS_USE];

/** Op codes, in the order of the enums in native/elementwise.h and native/layout.h. */
export const UNARY_OPS = [
  "Relu",
  "LeakyRelu",
  "Tanh",
  "Sigmoid",
  "Exp",
  "Log",
  "Log1p",
  "Abs",
  "Neg",
  "Sqrt",
  "Rsqrt",
  "Square",
  "Sign",
  "Step",
  "Reciprocal",
  "Elu",
  "Relu6",
  "Fill",
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];
export const BINARY_OPS = [
  "Add",
  "Sub",
  "Multiply",
  "RealDiv",
  "Maximum",
  "Minimum",
  "SquaredDifference",
  "Greater",
  "GreaterEqual",
  "Less",
  "LessEqual",
  "Equal",
  "NotEqual",
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];
/** The binary ops whose output is bool. */
export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(BINARY_OPS.slice(BINARY_OPS.indexOf("Greater")));
export const REDUCE_OPS = ["Sum", "Mean", "Max", "Min"] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];
export const PAD_MODES = ["constant", "reflect", "symmetric"] as const;
export type PadMode = (typeof PAD_MODES)[number];

type Shape = readonly number[];

/** A plan compiled by the addon (native/plan.h), freed when collected. */
export type PlanHandle = { readonly __compiledPlan: never };

/** A plan step as the addon reads it: kinds and activations as their enums' numbers. */
export interface NativePlanStep {
  readonly kind: number;
  readonly src: readonly number[];
  readonly dst: readonly number[];
  readonly weights: Float32Array | null;
  readonly bias: Float32Array | null;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  readonly activation: number;
  readonly alpha: number;
}

export interface NativeAddon {
  /** `prepared`: the filter comes from convPrepareWeights rather than in HWIO. */
  convForward(
    x: Float32Array,
    filter: Float32Array,
    y: Float32Array,
    geometry: ConvGeometry,
    prepared?: boolean,
  ): void;
  convBackwardData(
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
    geometry: ConvGeometry,
    prepared?: boolean,
  ): void;
  /** Floats of the filter in the layout the primitive for `use` reads; 0 when that is HWIO. */
  convWeightsSize(geometry: ConvGeometry, use: WeightsUse): number;
  /**
   * That layout's name: geometries and uses whose names are equal read the same layout (batch size never
   * changes it), so one prepared copy of a filter serves them all. Empty when the primitive reads HWIO.
   */
  convWeightsLayout(geometry: ConvGeometry, use: WeightsUse): string;
  /** Copies an HWIO filter into that layout (`out`: convWeightsSize floats), its padding zeroed. */
  convPrepareWeights(geometry: ConvGeometry, use: WeightsUse, filter: Float32Array, out: Float32Array): void;
  convBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: ConvGeometry): void;
  unary(op: number, alpha: number, x: Float32Array, y: Float32Array): void;
  binary(
    op: number,
    a: Float32Array,
    aShape: Shape,
    b: Float32Array,
    bShape: Shape,
    out: Float32Array | Uint8Array,
    outShape: Shape,
  ): void;
  select(condition: Uint8Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out = x > 0 ? dy : alpha·dy. */
  leakyReluGrad(alpha: number, dy: Float32Array, x: Float32Array, out: Float32Array): void;
  addN(inputs: Float32Array[], out: Float32Array): void;
  /** False (nothing written) when the axes are not one contiguous block. */
  reduce(op: number, x: Float32Array, shape: Shape, axes: Shape, out: Float32Array): boolean;
  batchNorm(
    x: Float32Array,
    channels: number,
    mean: Float32Array,
    variance: Float32Array,
    scale: Float32Array | null,
    offset: Float32Array | null,
    epsilon: number,
    y: Float32Array,
  ): void;
  batchNormTrainingForward(
    x: Float32Array,
    scale: Float32Array,
    offset: Float32Array,
    epsilon: number,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
  ): void;
  batchNormTrainingBackward(
    dy: Float32Array,
    x: Float32Array,
    scale: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dMean: Float32Array,
    dVariance: Float32Array,
    epsilon: number,
    dx: Float32Array,
    dScale: Float32Array,
    dOffset: Float32Array,
  ): void;
  adamUpdate(
    hyper: readonly [
      beta1: number,
      beta2: number,
      eps: number,
      stepSize: number,
      biasCorrection2Sqrt: number,
    ],
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    paramOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
  ): void;
  transpose(x: Float32Array, shape: Shape, perm: Shape, out: Float32Array): void;
  slice(x: Float32Array, shape: Shape, begin: Shape, size: Shape, out: Float32Array): void;
  concat(inputs: Float32Array[], outer: number, innerSizes: Shape, out: Float32Array): void;
  pad(
    x: Float32Array,
    shape: Shape,
    before: Shape,
    after: Shape,
    mode: number,
    value: number,
    out: Float32Array,
  ): void;
  tile(x: Float32Array, shape: Shape, reps: Shape, out: Float32Array): void;
  /** GFLOP/s of sgemm on square matrices of `size`, every thread, the best of `repetitions` after a warm-up. */
  gemmGflops(size: number, repetitions: number): number;
  /** Compiles a plan for images of height × width; throws a RangeError when it cannot be laid out. */
  planCompile(
    spec: { bufferChannels: Shape; output: number; steps: readonly NativePlanStep[] },
    height: number,
    width: number,
  ): PlanHandle;
  /** [height, width, channels] of one output image. */
  planOutputShape(plan: PlanHandle): [number, number, number];
  /** y (NHWC) = the plan applied to x (NHWC), image by image. */
  planRun(plan: PlanHandle, x: Float32Array, y: Float32Array, batch: number): void;
  info(): { onednnVersion: string; threads: number; convPrimitives: number };
}

/** How to get the addon built, for every message that says it is missing. */
export const INSTALL_HINT =
  "install oneDNN 2.x and a compiler ('apt-get install libdnnl-dev g++ make python3' on Debian), then " +
  "'npm rebuild tfjs-backend-onednn' (in a pix2pix-ts checkout: 'bash scripts/setup.sh')";

/** The addon could not be loaded: not built, or oneDNN (libdnnl.so) missing. */
export class OnednnUnavailableError extends Error {
  override readonly name = "OnednnUnavailableError";
  constructor(readonly reason: string) {
    super(`the onednn backend's native addon could not be loaded (${reason}); ${INSTALL_HINT}`);
  }
}

/** Where node-gyp puts the addon; TFJS_ONEDNN_ADDON points elsewhere (another build, or a test of the error). */
const ADDON_PATH = process.env.TFJS_ONEDNN_ADDON ?? "../build/Release/onednn.node";

function loadAddon(): NativeAddon {
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new OnednnUnavailableError(message ?? "unknown error");
  }
}

export const native: NativeAddon = loadAddon();
