/** What every generator and discriminator is: named variables and a forward function. Browser-safe. */
import type * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../random.ts";

/**
 * train: batch statistics, BN running stats updated (momentum 0.1 as PyTorch), dropout on.
 * test:  the paper's test time (the reference's default): batch statistics, dropout on, running stats untouched.
 * test-each: test time for each sample of the batch as if it ran alone from the same Rng: batch norm
 *        takes each sample's own statistics and every sample gets the dropout masks of a batch of one
 *        (so a server's batch answers as its images would one by one, in one forward pass).
 * eval:  running statistics, dropout off (the reference's --eval).
 */
export type Mode = "train" | "test" | "test-each" | "eval";

export interface Network {
  /** Trainable variables keyed by the reference PyTorch state-dict key ("model.model.1.model.1.weight"), tfjs layout (HWIO for convs). */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** Non-trainable state by reference key: BN running_mean, running_var, num_batches_tracked (int32 here, int64 in files). */
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  /** NHWC float32 in, NHWC out. Dropout draws its masks from rng. */
  apply(x: tf.Tensor4D, mode: Mode, rng: Rng): tf.Tensor4D;
  dispose(): void;
}
