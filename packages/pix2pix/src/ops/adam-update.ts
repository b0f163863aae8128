/**
 * One step of PyTorch's Adam (no weight decay) for one parameter:
 *   expAvg' = beta1 expAvg + (1 − beta1) grad;  expAvgSq' = beta2 expAvgSq + (1 − beta2) grad²
 *   param'  = param − stepSize expAvg' / (√expAvgSq' / biasCorrection2Sqrt + eps)
 * As one pass over memory where the backend has the FusedAdamUpdate kernel; the formula makes ~13.
 */
import {
  add,
  div,
  engine,
  type KernelBackend,
  mul,
  sqrt,
  square,
  sub,
  type Tensor,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { activeBackendHas, FUSED_ADAM_UPDATE, type FusedAdamUpdateAttrs } from "./kernels.ts";

/** Returns [param', expAvg', expAvgSq'], new tensors (for `assign`). */
export function fusedAdamUpdate(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  attrs: FusedAdamUpdateAttrs,
): [Tensor, Tensor, Tensor] {
  if (activeBackendHas(FUSED_ADAM_UPDATE)) {
    const inputs = { param, grad, expAvg, expAvgSq };
    return engine().runKernel(FUSED_ADAM_UPDATE, inputs, attrs) as [Tensor, Tensor, Tensor];
  }
  const { beta1, beta2, eps, stepSize, biasCorrection2Sqrt } = attrs;
  const expAvgNew = add(mul(expAvg, beta1), mul(grad, 1 - beta1));
  const expAvgSqNew = add(mul(expAvgSq, beta2), mul(square(grad), 1 - beta2));
  const denom = add(div(sqrt(expAvgSqNew), biasCorrection2Sqrt), eps);
  return [sub(param, mul(div(expAvgNew, denom), stepSize)), expAvgNew, expAvgSqNew];
}

/** A backend that can write an Adam step over its inputs (the onednn backend). */
interface InPlaceAdamBackend {
  adamUpdateInPlace(
    param: TensorInfo,
    grad: TensorInfo,
    expAvg: TensorInfo,
    expAvgSq: TensorInfo,
    attrs: FusedAdamUpdateAttrs,
  ): boolean;
}

function updatesInPlace(backend: KernelBackend): backend is KernelBackend & InPlaceAdamBackend {
  return "adamUpdateInPlace" in backend;
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
  const backend = engine().backend;
  return updatesInPlace(backend) && backend.adamUpdateInPlace(param, grad, expAvg, expAvgSq, attrs);
}
