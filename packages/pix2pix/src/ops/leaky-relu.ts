/**
 * tf.leakyRelu (tf.relu for alpha 0) whose gradient, where the backend has the LeakyReluGrad kernel, is
 * one pass over memory: dx = x > 0 ? dy : alpha·dy. tfjs's own takes three (a comparison, a select and
 * a multiply, or a step and a multiply), each writing a full-size intermediate.
 */
import {
  customGrad,
  engine,
  type GradSaveFunc,
  leakyRelu as leakyReluOp,
  registerGradient,
  relu,
  type Tensor,
  zerosLike,
} from "@tensorflow/tfjs-core";
import { activeBackendHas, LEAKY_RELU_GRAD, type LeakyReluGradAttrs } from "./kernels.ts";

export function leakyRelu<T extends Tensor>(x: T, alpha: number): T {
  const forward = (input: T): T => (alpha === 0 ? relu(input) : leakyReluOp(input, alpha));
  if (!activeBackendHas(LEAKY_RELU_GRAD)) return forward(x);
  const attrs: LeakyReluGradAttrs = { alpha };
  const withFusedGradient = customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [input, save] = args as [T, GradSaveFunc];
    save([input]);
    return {
      value: forward(input),
      gradFunc: (dy: T, saved: Tensor[]) =>
        engine().runKernel(LEAKY_RELU_GRAD, { dy, x: saved[0] as Tensor }, attrs) as Tensor,
    };
  });
  return withFusedGradient(x) as T;
}

/**
 * The gradient kernel's own gradient, for second derivatives (WGAN-GP's penalty differentiates the
 * critic's input gradient): linear in dy; constant in x wherever it has a derivative.
 */
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
