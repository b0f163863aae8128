/**
 * The kernels these ops run where the active backend has them. Their names and attributes are a
 * contract with the backends that implement them (the onednn backend keeps its own copy of each, since
 * it must not depend on this package; ops.test.ts checks that the two agree).
 */
import { getBackend, getKernel } from "@tensorflow/tfjs-core";

export const FUSED_ADAM_UPDATE = "FusedAdamUpdate";
export const FUSED_BATCH_NORM_TRAINING = "FusedBatchNormTraining";
export const FUSED_BATCH_NORM_TRAINING_GRAD = "FusedBatchNormTrainingGrad";
export const LEAKY_RELU_GRAD = "LeakyReluGrad";

/** Every kernel an op here may run: a backend with all of them runs every op in its fused form. */
export const FUSED_KERNELS = [
  FUSED_ADAM_UPDATE,
  FUSED_BATCH_NORM_TRAINING,
  FUSED_BATCH_NORM_TRAINING_GRAD,
  LEAKY_RELU_GRAD,
] as const;

/** PyTorch's Adam step (no weight decay): stepSize = lr / (1 − beta1^t), biasCorrection2Sqrt = √(1 − beta2^t). */
export type FusedAdamUpdateAttrs = {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly stepSize: number;
  readonly biasCorrection2Sqrt: number;
};

export type FusedBatchNormTrainingAttrs = { readonly epsilon: number };

export type LeakyReluGradAttrs = { readonly alpha: number };

export function activeBackendHas(kernelName: string): boolean {
  return getKernel(kernelName, getBackend()) !== undefined;
}
