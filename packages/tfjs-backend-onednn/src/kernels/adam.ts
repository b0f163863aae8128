/**
 * The FusedAdamUpdate kernel: PyTorch's Adam step (no weight decay) for one parameter in a single pass
 * over memory, where the op-by-op formula makes ~13,
 *   expAvg' = beta1 expAvg + (1 − beta1) grad;  expAvgSq' = beta2 expAvgSq + (1 − beta2) grad²
 *   param'  = param − stepSize expAvg' / (√expAvgSq' / biasCorrection2Sqrt + eps)
 * with outputs [param', expAvg', expAvgSq']; and the same update as new values of its inputs under the
 * same tensors (OnednnBackend.adamUpdateInPlace), where no other tensor holds them.
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
 * The update as new values of param and both moments under the same tensors, when each is the only
 * tensor holding its values and all four are distinct arrays; false, with nothing written, otherwise.
 * Where the backend may write a tensor's buffer (its own, never read out nor viewed), the update goes
 * over it, saving the traffic of an output array (~40% of the update's time in all); else into a new
 * buffer that replaces it: so from the first step, when the variables still hold arrays made elsewhere,
 * training allocates no second set of weights and moments.
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
  const [p, g, m, v] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
  const updated = [
    [param, p],
    [expAvg, m],
    [expAvgSq, v],
  ] as const;
  if (!updated.every(([t]) => backend.heldAlone(t))) return false;
  const outputs = updated.map(([t, old]) =>
    backend.writableInPlace(t) ? old : backend.allocate(old.length),
  );
  const [pOut, mOut, vOut] = outputs as [Float32Array, Float32Array, Float32Array];
  native.adamUpdate(hyperOf(attrs), p, g, m, v, pOut, mOut, vOut);
  updated.forEach(([t, old], i) => {
    const out = outputs[i] as Float32Array;
    if (out !== old) backend.replaceValues(t, out);
  });
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
