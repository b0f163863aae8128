/** The FusedAdamUpdate kernel (see ops.ts for its contract): one pass over memory per parameter. */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { native } from "../native.ts";
import { FUSED_ADAM_UPDATE, type FusedAdamUpdateAttrs } from "../ops.ts";
import { floatInputs, type NativeKernel, type NativeKernelArgs } from "./native-kernel.ts";

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

/** No cpu fallback: the kernel exists only on this backend. */
export const adamKernels: readonly NativeKernel[] = [
  { kernelName: FUSED_ADAM_UPDATE, kernelFunc: fusedAdamUpdate },
];
