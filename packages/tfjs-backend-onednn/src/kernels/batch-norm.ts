/** FusedBatchNorm (tf.batchNorm): the normalisation itself; its gradient is tfjs's, built from other kernels. */
import { FusedBatchNorm, type FusedBatchNormAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { native } from "../native.ts";
import type { NativeKernel, NativeKernelArgs } from "./native-kernel.ts";

function fusedBatchNorm({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const x = inputs.x as TensorInfo;
  const xValues = backend.floats(x);
  const channels = x.shape[x.shape.length - 1] ?? 1;
  // Per-channel parameters (C or 1 elements) only; other broadcasts stay on the cpu kernel.
  const parameter = (t: TensorInfo | undefined): Float32Array | null | undefined => {
    if (t === undefined) return null;
    const v = backend.floats(t);
    return v !== undefined && (v.length === channels || v.length === 1) ? v : undefined;
  };
  const mean = parameter(inputs.mean);
  const variance = parameter(inputs.variance);
  const scale = parameter(inputs.scale);
  const offset = parameter(inputs.offset);
  if (xValues === undefined || !mean || !variance || scale === undefined || offset === undefined)
    return undefined;
  const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
  const y = backend.allocate(xValues.length);
  native.batchNorm(xValues, channels, mean, variance, scale, offset, varianceEpsilon ?? 0.001, y);
  return backend.output([...x.shape], y);
}

export const batchNormKernels: readonly NativeKernel[] = [
  { kernelName: FusedBatchNorm, kernelFunc: fusedBatchNorm },
];
