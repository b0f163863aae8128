/**
 * LeakyReluGrad, the gradient of LeakyRelu and Relu (alpha 0) in one pass over memory:
 * dx = x > 0 ? dy : alpha·dy, where tfjs's own takes three (a comparison, a select and a multiply, or a
 * step and a multiply), each writing a full-size intermediate.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { native } from "../native.ts";
import { floatInputs, type NativeKernel, type NativeKernelArgs } from "./native-kernel.ts";

export const LEAKY_RELU_GRAD = "LeakyReluGrad";

export type LeakyReluGradAttrs = {
  readonly alpha: number;
};

function leakyReluGrad({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo {
  const dy = inputs.dy as TensorInfo;
  const values = floatInputs(backend, [dy, inputs.x as TensorInfo]);
  if (values === undefined || values[0]?.length !== values[1]?.length) {
    throw new Error(`${LEAKY_RELU_GRAD}: dy and x must be float32 of one shape`);
  }
  const [dyValues, xValues] = values as [Float32Array, Float32Array];
  const out = backend.allocate(dyValues.length);
  native.leakyReluGrad((attrs as LeakyReluGradAttrs).alpha, dyValues, xValues, out);
  return backend.output([...dy.shape], out);
}

/** No cpu fallback: the kernel exists only on this backend. */
export const leakyReluGradKernels: readonly NativeKernel[] = [
  { kernelName: LEAKY_RELU_GRAD, kernelFunc: leakyReluGrad },
];
