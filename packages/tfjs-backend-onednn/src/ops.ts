/**
 * Ops over kernels that only the onednn backend has, usable from code that must also run on any other
 * backend (and in the browser): this module imports tfjs-core alone, never the native addon, and each
 * op returns undefined when the active backend lacks its kernel, so the caller runs its tf-ops formula.
 */
import { engine, getBackend, getKernel, type NamedAttrMap, type Tensor } from "@tensorflow/tfjs-core";

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
