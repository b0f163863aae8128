/**
 * A whole network run as one kernel, InferencePlan, where the active backend has it (the onednn
 * backend compiles the plan into fused oneDNN primitives once per image size). The plan is a list of
 * convolutions, transposed convolutions and activations over channel slices of buffers; these types
 * are the contract with the backend, which keeps its own copy (infer/inference-plan.test.ts checks
 * that the two agree and that the kernel runs under this name). Browser-safe.
 */
import { engine, type NamedTensorMap, type Tensor4D } from "@tensorflow/tfjs-core";
import { activeBackendHas } from "./kernels.ts";

export const INFERENCE_PLAN = "InferencePlan";

/** Channels [offset, offset + channels) of buffer `buffer`; buffer 0 is the input image. */
export type PlanSlice = [buffer: number, offset: number, channels: number];

export type PlanActivation = "none" | "relu" | "leakyRelu" | "tanh";

/**
 * A convolution (its weights the kernel's input `w<step>`, OIHW) or transposed convolution (IOHW),
 * with a bias (input `b<step>`) where `bias`, its output put through `activation`; or an activation
 * alone (`eltwise`; `none`: a copy) from one slice to another of the same size. Plain data, as tfjs
 * attributes are: the weights travel as the kernel's inputs.
 */
export type PlanStep = {
  kind: "conv" | "deconv" | "eltwise";
  src: PlanSlice;
  dst: PlanSlice;
  bias: boolean;
  kernel: number;
  stride: number;
  pad: number;
  activation: PlanActivation;
  /** LeakyRelu's slope. */
  alpha: number;
};

export type InferencePlanSpec = {
  /** The channels of each buffer, the input image's first. */
  bufferChannels: number[];
  /** The buffer holding the result. */
  output: number;
  steps: PlanStep[];
};

/** A plan and its weights, by input name (`w<step>`, `b<step>`). */
export interface InferencePlan {
  readonly spec: InferencePlanSpec;
  readonly weights: NamedTensorMap;
}

/** The plan applied to NHWC `x`, or undefined where the active backend has no InferencePlan kernel. */
export function runInferencePlan(x: Tensor4D, plan: InferencePlan): Tensor4D | undefined {
  if (!activeBackendHas(INFERENCE_PLAN)) return undefined;
  return engine().runKernel(INFERENCE_PLAN, { ...plan.weights, x }, { plan: plan.spec }) as Tensor4D;
}
