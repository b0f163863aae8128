/**
 * FusedAdamUpdate: one Adam step (PyTorch's torch.optim.Adam formula, no weight decay) for one
 * parameter, in a single pass over memory instead of the ~13 passes of the op-by-op formula; the step is
 * bound by memory bandwidth, so this is most of an optimizer step's time. A kernel with no cpu
 * counterpart: callers check `tf.getKernel(FUSED_ADAM_UPDATE, tf.getBackend())` and otherwise run the
 * same formula with tf ops.
 *
 *   inputs  {param, grad, expAvg, expAvgSq} (float32, one shape)
 *   attrs   {beta1, beta2, eps, stepSize = lr / (1 - beta1^t), biasCorrection2Sqrt = sqrt(1 - beta2^t)}
 *   outputs [param', expAvg', expAvgSq'], where
 *     expAvg' = beta1 expAvg + (1 - beta1) grad;  expAvgSq' = beta2 expAvgSq + (1 - beta2) grad^2
 *     param'  = param - stepSize expAvg' / (sqrt(expAvgSq') / biasCorrection2Sqrt + eps)
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { native } from "../native.ts";
import { floatInputs, type NativeKernel, type NativeKernelArgs } from "./native-kernel.ts";

export const FUSED_ADAM_UPDATE = "FusedAdamUpdate";

export interface FusedAdamUpdateAttrs {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly stepSize: number;
  readonly biasCorrection2Sqrt: number;
}

function fusedAdamUpdate({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo[] {
  const tensors = [inputs.param, inputs.grad, inputs.expAvg, inputs.expAvgSq] as TensorInfo[];
  const values = floatInputs(backend, tensors);
  if (values === undefined || new Set(values.map((v) => v.length)).size !== 1) {
    throw new Error(`${FUSED_ADAM_UPDATE}: param, grad, expAvg and expAvgSq must be float32 of one size`);
  }
  const [param, grad, m, v] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
  const { beta1, beta2, eps, stepSize, biasCorrection2Sqrt } = attrs as unknown as FusedAdamUpdateAttrs;
  const outputs = [
    backend.allocate(param.length),
    backend.allocate(param.length),
    backend.allocate(param.length),
  ];
  const [paramOut, mOut, vOut] = outputs as [Float32Array, Float32Array, Float32Array];
  native.adamUpdate(
    [beta1, beta2, eps, stepSize, biasCorrection2Sqrt],
    param,
    grad,
    m,
    v,
    paramOut,
    mOut,
    vOut,
  );
  const shape = [...(inputs.param as TensorInfo).shape];
  return outputs.map((o) => backend.output(shape, o));
}

/** Kernels that exist only on this backend (no cpu fallback). */
export const onednnOnlyKernels: readonly NativeKernel[] = [
  { kernelName: FUSED_ADAM_UPDATE, kernelFunc: fusedAdamUpdate },
];
