/**
 * The FusedAdamUpdate kernel: PyTorch's Adam step (no weight decay) for one parameter in a single pass
 * over memory, where the op-by-op formula makes ~13,
 *   expAvg' = beta1 expAvg + (1 − beta1) grad;  expAvgSq' = beta2 expAvgSq + (1 − beta2) grad²
 *   param'  = param − stepSize expAvg' / (√expAvgSq' / biasCorrection2Sqrt + eps)
 * with outputs [param', expAvg', expAvgSq']; and the same update written over its inputs
 * (OnednnBackend.adamUpdateInPlace), where nothing else can see them.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { OnednnBackend } from "../backend.ts";
import { native } from "../native.ts";
import { floatInputs, type NativeKernel, type NativeKernelArgs } from "./native-kernel.ts";

export const FUSED_ADAM_UPDATE = "FusedAdamUpdate";

/** stepSize = lr / (1 − beta1^t), biasCorrection2Sqrt = √(1 − beta2^t). */
export type FusedAdamUpdateAttrs = {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly stepSize: number;
  readonly biasCorrection2Sqrt: number;
};

function hyperOf(a: FusedAdamUpdateAttrs) {
  return [a.beta1, a.beta2, a.eps, a.stepSize, a.biasCorrection2Sqrt] as const;
}

/**
 * Writes the update over param and both moments when each is a buffer of this backend that one tensor
 * alone holds (see OnednnBackend.writableInPlace), all distinct from the gradient; false, with nothing
 * written, otherwise. Saves the traffic of three output arrays, ~40% of the update's time.
 */
export function adamUpdateInPlace(
  backend: OnednnBackend,
  tensors: { param: TensorInfo; grad: TensorInfo; expAvg: TensorInfo; expAvgSq: TensorInfo },
  attrs: FusedAdamUpdateAttrs,
): boolean {
  const { param, grad, expAvg, expAvgSq } = tensors;
  const values = floatInputs(backend, [param, grad, expAvg, expAvgSq]);
  if (values === undefined || new Set(values.map((v) => v.length)).size !== 1) return false;
  if (new Set(values.map((v) => v.buffer)).size !== 4) return false;
  if (![param, expAvg, expAvgSq].every((t) => backend.writableInPlace(t))) return false;
  const [p, g, m, v] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
  native.adamUpdate(hyperOf(attrs), p, g, m, v, p, m, v);
  backend.valuesChanged(param);
  return true;
}

function fusedAdamUpdate({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo[] {
  const tensors = [inputs.param, inputs.grad, inputs.expAvg, inputs.expAvgSq] as TensorInfo[];
  const values = floatInputs(backend, tensors);
  if (values === undefined || new Set(values.map((v) => v.length)).size !== 1) {
    throw new Error(`${FUSED_ADAM_UPDATE}: param, grad, expAvg and expAvgSq must be float32 of one size`);
  }
  const [param, grad, m, v] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
  const outputs = [
    backend.allocate(param.length),
    backend.allocate(param.length),
    backend.allocate(param.length),
  ];
  const [paramOut, mOut, vOut] = outputs as [Float32Array, Float32Array, Float32Array];
  native.adamUpdate(hyperOf(attrs as FusedAdamUpdateAttrs), param, grad, m, v, paramOut, mOut, vOut);
  const shape = [...(inputs.param as TensorInfo).shape];
  return outputs.map((o) => backend.output(shape, o));
}

/** No cpu fallback: the kernel exists only on this backend. */
export const adamKernels: readonly NativeKernel[] = [
  { kernelName: FUSED_ADAM_UPDATE, kernelFunc: fusedAdamUpdate },
];
