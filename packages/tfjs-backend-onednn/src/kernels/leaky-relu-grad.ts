/**
 * LeakyReluGrad, the one-pass gradient of LeakyRelu and Relu (see ops.ts `leakyRelu`), and its own
 * gradient, for second-order gradients (WGAN-GP's penalty differentiates D's input gradient).
 */
import { engine, registerGradient, type Tensor, type TensorInfo, zerosLike } from "@tensorflow/tfjs-core";
import { native } from "../native.ts";
import { LEAKY_RELU_GRAD, type LeakyReluGradAttrs } from "../ops.ts";
import { floatInputs, type NativeKernel, type NativeKernelArgs } from "./native-kernel.ts";

function leakyReluGrad({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo {
  const dy = inputs.dy as TensorInfo;
  const values = floatInputs(backend, [dy, inputs.x as TensorInfo]);
  if (values === undefined || values[0]?.length !== values[1]?.length) {
    throw new Error(`${LEAKY_RELU_GRAD}: dy and x must be float32 of one shape`);
  }
  const [dyValues, xValues] = values as [Float32Array, Float32Array];
  const out = backend.allocate(dyValues.length);
  native.leakyReluGrad((attrs as unknown as LeakyReluGradAttrs).alpha, dyValues, xValues, out);
  return backend.output([...dy.shape], out);
}

/** Linear in dy; constant in x wherever it has a derivative. */
export function registerLeakyReluGradGradient(): void {
  registerGradient({
    kernelName: LEAKY_RELU_GRAD,
    inputsToSave: ["x"],
    gradFunc: (ddx, saved, attrs) => {
      const [x] = saved as [Tensor];
      return {
        dy: () => engine().runKernel(LEAKY_RELU_GRAD, { dy: ddx as Tensor, x }, attrs) as Tensor,
        x: () => zerosLike(x),
      };
    },
  });
}

/** No cpu fallback: the kernel exists only on this backend. */
export const leakyReluGradKernels: readonly NativeKernel[] = [
  { kernelName: LEAKY_RELU_GRAD, kernelFunc: leakyReluGrad },
];
