/**
 * A generator over images already read at its input size: the step of `translate` between reading and
 * writing, for any number of images at once, each answered exactly as it would be alone.
 * Browser-safe.
 *
 * In the paper's test mode batch norm normalises with the statistics of the batch it sees and dropout
 * draws masks, so one image's output would depend on the others in a batch: the batch runs in the
 * network's test-each mode, one forward pass in which each image gets its own statistics and the
 * dropout masks of `Rng.fromSeed(seed)` at batch 1, as `translate` runs it alone. In eval mode
 * (running statistics, no dropout) images do not interact anyway.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ImagePixels } from "../io/images.ts";
import type { Network } from "../nn/network.ts";
import { Rng } from "../random.ts";

export type InferenceMode = "test" | "eval";

/** G's output for each image (all of one size), in `mode`; the same as translating each alone. */
export async function translatePixels(
  g: Network,
  images: readonly ImagePixels[],
  mode: InferenceMode,
  seed: number,
): Promise<ImagePixels[]> {
  const [first] = images;
  if (!first) return [];
  const { height, width, channels } = first;
  const values = height * width * channels;
  const batch = new Float32Array(values * images.length);
  images.forEach((image, i) => {
    if (image.height !== height || image.width !== width || image.channels !== channels) {
      throw new Error("images of one batch must share their size and channels");
    }
    batch.set(image.data, i * values);
  });
  const y = tf.tidy(() =>
    g.apply(
      tf.tensor4d(batch, [images.length, height, width, channels]),
      mode === "eval" ? "eval" : "test-each",
      Rng.fromSeed(seed),
    ),
  );
  const [, outHeight = 0, outWidth = 0, outChannels = 0] = y.shape;
  const data = (await y.data()) as Float32Array;
  y.dispose();
  const size = outHeight * outWidth * outChannels;
  return images.map((_, i) => ({
    data: data.slice(i * size, (i + 1) * size),
    height: outHeight,
    width: outWidth,
    channels: outChannels,
  }));
}
