/**
 * GAN losses: the reference's vanilla (BCE on logits) and lsgan (MSE), and WGAN-GP with a real gradient
 * penalty (the reference computes none for pix2pix). Predictions are raw discriminator outputs; the
 * losses are means over every patch, as the reference's GANLoss. Browser-safe.
 */
import * as tf from "@tensorflow/tfjs-core";
import "../nn/comparison-gradients.ts";
import type { Network } from "../nn/network.ts";
import type { Rng } from "../random.ts";

export type GanMode = "vanilla" | "lsgan" | "wgangp";

/** BCEWithLogits against a constant label, in the stable form max(x, 0) − x·z + log(1 + e^−|x|). */
function bceWithLogits(x: tf.Tensor, label: number): tf.Scalar {
  return tf.mean(tf.add(tf.sub(tf.relu(x), tf.mul(x, label)), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
}

export function ganLoss(mode: GanMode, prediction: tf.Tensor, targetIsReal: boolean): tf.Scalar {
  return tf.tidy(() => {
    const label = targetIsReal ? 1 : 0;
    switch (mode) {
      case "vanilla":
        return bceWithLogits(prediction, label);
      case "lsgan":
        return tf.mean(tf.square(tf.sub(prediction, label)));
      case "wgangp":
        return targetIsReal ? tf.neg(tf.mean(prediction)) : tf.mean(prediction);
    }
  });
}

/**
 * WGAN-GP's penalty λ·mean((‖∇D(x̂)‖₂ − 1)²) at x̂ = α·real + (1 − α)·fake, one α ~ U[0, 1) per sample
 * drawn from rng — as the reference's cal_gradient_penalty ("mixed"), with its 1e-16 added to the
 * gradient before the norm. `real` and `fake` are what D sees (with the input channels when
 * conditional). D runs in train mode, as in the reference. Differentiable w.r.t. D's parameters.
 */
export function gradientPenalty(
  d: Network,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  rng: Rng,
  lambdaGp = 10,
): tf.Scalar {
  return tf.tidy(() => {
    const n = real.shape[0];
    const alpha = tf.tensor4d(
      Float32Array.from({ length: n }, () => rng.next()),
      [n, 1, 1, 1],
    );
    const mixed = tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake)) as tf.Tensor4D;
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(d.apply(x as tf.Tensor4D, "train", rng)))(mixed);
    const norms = tf.sqrt(tf.sum(tf.square(tf.add(tf.reshape(gradient, [n, -1]), 1e-16)), 1));
    return tf.mul(tf.mean(tf.square(tf.sub(norms, 1))), lambdaGp);
  });
}
