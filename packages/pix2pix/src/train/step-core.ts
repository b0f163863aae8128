/**
 * One pix2pix training step in the reference's order: G forward once; D step on (A, G(A)) as fake and
 * (A, B) as real, the loss halved; then G step on GAN(D(A, G(A)), real) + λ·L1(G(A), B), through the
 * just-updated D and the same G(A) (one forward of G per step, as the reference: the same dropout masks
 * and one update of G's batch-norm running statistics).
 *
 * tfjs records gradients only inside a gradient call, so the whole step runs inside the gradient of G's
 * loss, with D's step nested in it. D's gradients flow only from D's parameters (G(A) is an input
 * there, not a function of them) and the tape never links D's updated values back into G's loss, so
 * both gradients are those of the reference's two backward passes. G's parameters are updated as their
 * gradients complete, which keeps the backward pass's memory below PyTorch's (see
 * gradients-as-they-complete.ts).
 *
 * Browser-safe: the caller registers tfjs's gradients (step.ts does for Node; a page or worker imports
 * tfjs-core's register_all_gradients).
 */
import * as tf from "@tensorflow/tfjs-core";
import { type GanMode, ganLoss, gradientPenalty } from "../models/losses.ts";
import type { Network } from "../nn/network.ts";
import type { Rng } from "../random.ts";
import type { Adam } from "./adam.ts";
import { gradientsAsTheyComplete } from "./gradients-as-they-complete.ts";

/** D_GP is the WGAN-GP gradient penalty, present only when the GAN mode is wgangp. */
export const LOSS_NAMES = ["G_GAN", "G_L1", "D_real", "D_fake", "D_GP"] as const;
export type LossName = (typeof LOSS_NAMES)[number];
export type StepLosses = Readonly<Record<Exclude<LossName, "D_GP">, number>> & { readonly D_GP?: number };

export interface Pix2pixModel {
  readonly g: Network;
  readonly d: Network;
  readonly optimizerG: Adam;
  readonly optimizerD: Adam;
}

export interface StepSettings {
  readonly ganMode: GanMode;
  readonly lambdaL1: number;
  readonly lr: number;
  /** D sees the output alone instead of (input, output). */
  readonly unconditionalD: boolean;
}

function gradMap(net: Network, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const byKey = new Map<string, tf.Tensor>();
  for (const [key, variable] of net.params) {
    const grad = grads[variable.name];
    if (grad === undefined) throw new Error(`no gradient reached parameter ${key}`);
    byKey.set(key, grad);
  }
  return byKey;
}

/** Runs one step on a batch (NHWC in [-1, 1]), updating both networks; returns the four losses. */
export function trainStep(
  model: Pix2pixModel,
  settings: StepSettings,
  a: tf.Tensor4D,
  b: tf.Tensor4D,
  rng: Rng,
): StepLosses {
  const { g, d, optimizerG, optimizerD } = model;
  const seenByD = (output: tf.Tensor4D) => (settings.unconditionalD ? output : tf.concat([a, output], 3));
  const losses: Record<string, number> = {};
  const scalar = (name: LossName, t: tf.Scalar) => {
    losses[name] = t.dataSync()[0] as number;
    return t;
  };
  // G's loss, with D's step on the way: the forward pass of G's gradient.
  const lossG = (): tf.Scalar => {
    const fake = g.apply(a, "train", rng);
    const stepD = tf.variableGrads(() => {
      const lossFake = scalar(
        "D_fake",
        ganLoss(settings.ganMode, d.apply(seenByD(fake), "train", rng), false),
      );
      const lossReal = scalar("D_real", ganLoss(settings.ganMode, d.apply(seenByD(b), "train", rng), true));
      const lossD = tf.mul(tf.add(lossFake, lossReal), 0.5) as tf.Scalar;
      // The reference defines this penalty but never applies it in pix2pix; WGAN needs it to train.
      if (settings.ganMode !== "wgangp") return lossD;
      return tf.add(lossD, scalar("D_GP", gradientPenalty(d, seenByD(b), seenByD(fake), rng))) as tf.Scalar;
    }, [...d.params.values()]);
    optimizerD.apply(gradMap(d, stepD.grads), settings.lr);
    const lossGan = scalar("G_GAN", ganLoss(settings.ganMode, d.apply(seenByD(fake), "train", rng), true));
    const lossL1 = scalar("G_L1", tf.mul(tf.mean(tf.abs(tf.sub(fake, b))), settings.lambdaL1));
    return tf.add(lossGan, lossL1) as tf.Scalar;
  };
  tf.tidy(() => {
    const updateG = optimizerG.begin(settings.lr);
    gradientsAsTheyComplete(lossG, g.params, updateG.update);
    updateG.finish();
  });
  return losses as StepLosses;
}
