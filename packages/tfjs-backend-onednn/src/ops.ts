/**
 * Ops over kernels that only the onednn backend has, usable from code that must also run on any other
 * backend (and in the browser): this module imports tfjs-core alone, never the native addon, and each
 * op returns undefined when the active backend lacks its kernel, so the caller runs its tf-ops formula.
 */
import {
  customGrad,
  engine,
  type GradSaveFunc,
  getBackend,
  getKernel,
  leakyRelu as leakyReluOp,
  type NamedAttrMap,
  relu as reluOp,
  type Tensor,
  type Tensor1D,
} from "@tensorflow/tfjs-core";

export const FUSED_ADAM_UPDATE = "FusedAdamUpdate";

/** PyTorch's Adam step (no weight decay): stepSize = lr / (1 − beta1^t), biasCorrection2Sqrt = √(1 − beta2^t). */
export interface FusedAdamUpdateAttrs {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly stepSize: number;
  readonly biasCorrection2Sqrt: number;
}

/**
 * One Adam step for one parameter in a single pass over memory (the op-by-op formula makes ~13):
 *   expAvg' = beta1 expAvg + (1 − beta1) grad;  expAvgSq' = beta2 expAvgSq + (1 − beta2) grad²
 *   param'  = param − stepSize expAvg' / (√expAvgSq' / biasCorrection2Sqrt + eps)
 * Returns [param', expAvg', expAvgSq'] (new tensors, for `assign`), or undefined when the active backend
 * has no such kernel.
 */
export function fusedAdamUpdate(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  attrs: FusedAdamUpdateAttrs,
): [Tensor, Tensor, Tensor] | undefined {
  if (getKernel(FUSED_ADAM_UPDATE, getBackend()) === undefined) return undefined;
  const inputs = { param, grad, expAvg, expAvgSq };
  return engine().runKernel(FUSED_ADAM_UPDATE, inputs, { ...attrs } as unknown as NamedAttrMap) as [
    Tensor,
    Tensor,
    Tensor,
  ];
}

/** A backend that can write an Adam step over its inputs (the onednn backend). */
interface InPlaceAdamBackend {
  adamUpdateInPlace(
    param: Tensor,
    grad: Tensor,
    expAvg: Tensor,
    expAvgSq: Tensor,
    attrs: FusedAdamUpdateAttrs,
  ): boolean;
}

/**
 * fusedAdamUpdate written over param, expAvg and expAvgSq themselves (variables, typically), saving
 * the memory traffic of three new arrays. Only where nothing else can see the change: the active
 * backend must support it and each of the three must be held by one tensor alone, never read out
 * (dataSync) nor viewed. Returns false, having written nothing, otherwise: then use fusedAdamUpdate.
 */
export function fusedAdamUpdateInPlace(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  attrs: FusedAdamUpdateAttrs,
): boolean {
  const backend = engine().backend as unknown as Partial<InPlaceAdamBackend>;
  return backend.adamUpdateInPlace?.(param, grad, expAvg, expAvgSq, attrs) ?? false;
}

export const FUSED_BATCH_NORM_TRAINING = "FusedBatchNormTraining";
export const FUSED_BATCH_NORM_TRAINING_GRAD = "FusedBatchNormTrainingGrad";

/**
 * Batch norm with batch statistics over every dimension but the last (NHWC, training mode), in one
 * kernel whose gradient is one more: y = (x − mean) / √(variance + epsilon) · scale + offset, with mean
 * and the biased variance of x per channel, returned too (for running statistics; gradients reaching
 * them are honoured). Differentiable with respect to x, scale and offset. Undefined when the active
 * backend has no such kernel (then compose it from tf.moments and element-wise ops).
 */
export function fusedBatchNormTraining(
  x: Tensor,
  scale: Tensor1D,
  offset: Tensor1D,
  epsilon: number,
): { y: Tensor; mean: Tensor1D; variance: Tensor1D } | undefined {
  if (getKernel(FUSED_BATCH_NORM_TRAINING, getBackend()) === undefined) return undefined;
  const [y, mean, variance] = engine().runKernel(
    FUSED_BATCH_NORM_TRAINING,
    { x, scale, offset },
    {
      epsilon,
    },
  ) as [Tensor, Tensor1D, Tensor1D];
  return { y, mean, variance };
}

export const LEAKY_RELU_GRAD = "LeakyReluGrad";

export interface LeakyReluGradAttrs {
  readonly alpha: number;
}

/**
 * tf.leakyRelu (tf.relu for alpha 0) whose gradient, where the active backend has the LeakyReluGrad
 * kernel, is one pass over memory: dx = x > 0 ? dy : alpha·dy. tfjs's own takes three (a comparison, a
 * select and a multiply, or a step and a multiply), each writing a full-size intermediate.
 */
export function leakyRelu<T extends Tensor>(x: T, alpha: number): T {
  const forward = (input: T): T => (alpha === 0 ? reluOp(input) : leakyReluOp(input, alpha));
  if (getKernel(LEAKY_RELU_GRAD, getBackend()) === undefined) return forward(x);
  const withFusedGradient = customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [input, save] = args as [T, GradSaveFunc];
    save([input]);
    return {
      value: forward(input),
      gradFunc: (dy: T, saved: Tensor[]) =>
        engine().runKernel(LEAKY_RELU_GRAD, { dy, x: saved[0] as Tensor }, { alpha }) as Tensor,
    };
  });
  return withFusedGradient(x) as T;
}
