/**
 * One translation in the browser: the canvas's pixels through the library's conversions into the
 * generator, on whatever backend tfjs runs, and back to pixels. The seed of dropout's masks is
 * `pix2pix translate`'s default, so the paper's test mode gives what the CLI gives.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type LoadedGenerator, Rng, rgbaToUnitRange, UserError, unitRangeToRgba } from "pix2pix-ts";

/** `pix2pix translate`'s default --seed. */
const SEED = 0;

function imageChannels(value: number, side: string): 1 | 3 {
  if (value !== 1 && value !== 3)
    throw new UserError(`the model's ${side} has ${value} channels; images have 1 or 3`);
  return value;
}

export async function translate(
  model: LoadedGenerator,
  input: ImageData,
  mode: "test" | "eval",
): Promise<{ output: ImageData; milliseconds: number }> {
  const inputNc = imageChannels(model.architecture.inputNc, "input");
  const outputNc = imageChannels(model.architecture.outputNc, "output");
  const { width, height } = input;
  const x = rgbaToUnitRange(input.data, inputNc);
  const started = performance.now();
  const y = tf.tidy(() =>
    model.g.apply(tf.tensor4d(x, [1, height, width, inputNc]), mode, Rng.fromSeed(SEED)),
  );
  try {
    const values = (await y.data()) as Float32Array;
    const milliseconds = performance.now() - started;
    const [, outHeight = height, outWidth = width] = y.shape;
    return { output: new ImageData(unitRangeToRgba(values, outputNc), outWidth, outHeight), milliseconds };
  } finally {
    y.dispose();
  }
}
