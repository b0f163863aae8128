/**
 * Batch norm with batch statistics (training mode) over every dimension but the last (NHWC):
 * y = (x − mean) / √(variance + epsilon) · scale + offset, with mean and the biased variance of x per
 * channel returned too (for running statistics; gradients reaching them are honoured). Where the
 * backend has the FusedBatchNormTraining kernel, two passes over memory each way, against a dozen
 * for the op-by-op formula.
 */
import {
  add,
  engine,
  type GradConfig,
  moments,
  mul,
  registerGradient,
  rsqrt,
  sub,
  type Tensor,
  type Tensor1D,
} from "@tensorflow/tfjs-core";
import {
  activeBackendHas,
  FUSED_BATCH_NORM_TRAINING,
  FUSED_BATCH_NORM_TRAINING_GRAD,
  type FusedBatchNormTrainingAttrs,
} from "./kernels.ts";

/**
 * Differentiable with respect to x, scale and offset; on a backend with the kernel, only once (its
 * gradient kernel has no gradient): where a second derivative is needed (WGAN-GP's critic), compose
 * the formula from tf.moments and element-wise ops instead.
 */
export function fusedBatchNormTraining<T extends Tensor>(
  x: T,
  scale: Tensor1D,
  offset: Tensor1D,
  epsilon: number,
): { y: T; mean: Tensor1D; variance: Tensor1D } {
  if (activeBackendHas(FUSED_BATCH_NORM_TRAINING)) {
    const attrs: FusedBatchNormTrainingAttrs = { epsilon };
    const [y, mean, variance] = engine().runKernel(
      FUSED_BATCH_NORM_TRAINING,
      { x, scale, offset },
      attrs,
    ) as [T, Tensor1D, Tensor1D];
    return { y, mean, variance };
  }
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  const { mean, variance } = moments(x, axes);
  const y = add(mul(mul(sub(x, mean), rsqrt(add(variance, epsilon))), scale), offset) as T;
  return { y, mean: mean as Tensor1D, variance: variance as Tensor1D };
}

/** The kernel's gradient is the gradient kernel, given the gradients reaching all three outputs. */
registerGradient({
  kernelName: FUSED_BATCH_NORM_TRAINING,
  inputsToSave: ["x", "scale"],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy, dMean, dVariance] = dys as Tensor[];
    const [x, scale, mean, variance] = saved as [Tensor, Tensor, Tensor, Tensor];
    const inputs = {
      dy: dy as Tensor,
      x,
      scale,
      mean,
      variance,
      dMean: dMean as Tensor,
      dVariance: dVariance as Tensor,
    };
    const [dx, dScale, dOffset] = engine().runKernel(FUSED_BATCH_NORM_TRAINING_GRAD, inputs, attrs) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    return { x: () => dx, scale: () => dScale, offset: () => dOffset };
  },
} satisfies GradConfig);
