/**
 * Zero gradients for tfjs's comparison kernels. tfjs differentiates a gradient by replaying the ops
 * of its backward pass; LeakyReLU's backward compares (`greater(x, 0)`), and a comparison without a
 * registered gradient aborts that replay — so WGAN-GP's penalty, a gradient of a gradient, could not
 * be trained. A comparison is piecewise constant: its gradient is zero wherever it exists.
 * Registers only where tfjs has none. Browser-safe.
 */
import * as tf from "@tensorflow/tfjs-core";

const COMPARISONS = ["Greater", "Less", "LessEqual", "Equal", "NotEqual"] as const;

for (const kernelName of COMPARISONS) {
  if (tf.getGradient(kernelName) === undefined) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ["a", "b"],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
}
