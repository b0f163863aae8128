/** GAN losses of the reference (vanilla, lsgan) and WGAN-GP with a real gradient penalty. Browser-safe. */
import type * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../random.ts";
import type { Network } from "./network.ts";

export type GanMode = "vanilla" | "lsgan" | "wgangp";

export function ganLoss(mode: GanMode, prediction: tf.Tensor, targetIsReal: boolean): tf.Scalar {
  throw new Error(`ganLoss(${mode}, ${prediction.shape}, ${targetIsReal}): being written`);
}

export function gradientPenalty(
  d: Network,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  rng: Rng,
  lambdaGp = 10,
): tf.Scalar {
  throw new Error(
    `gradientPenalty(${d.params.size}, ${real.shape}, ${fake.shape}, ${rng.state()}, ${lambdaGp})`,
  );
}
