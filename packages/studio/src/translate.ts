/**
 * One translation in the browser: the canvas's pixels through the library's conversions and its
 * `translatePixels` (the step `pix2pix translate` and `pix2pix serve` run, with translate's default
 * seed for dropout's masks, so the paper's test mode gives what the CLI gives), on whatever backend
 * tfjs runs, and back to pixels.
 */
import {
  type InferenceMode,
  type LoadedGenerator,
  rgbaToUnitRange,
  translatePixels,
  UserError,
  unitRangeToRgba,
} from "pix2pix-ts";

/** `pix2pix translate`'s default --seed. */
const SEED = 0;

function imageChannels(value: number, side: string): 1 | 3 {
  if (value !== 1 && value !== 3) {
    throw new UserError(`the model's ${side} has ${value} channels; images have 1 or 3`);
  }
  return value;
}

export async function translate(
  model: LoadedGenerator,
  input: ImageData,
  mode: InferenceMode,
): Promise<{ output: ImageData; milliseconds: number }> {
  const channels = imageChannels(model.architecture.inputNc, "input");
  const outputNc = imageChannels(model.architecture.outputNc, "output");
  const { width, height } = input;
  const image = { data: rgbaToUnitRange(input.data, channels), width, height, channels };
  const started = performance.now();
  const [result] = await translatePixels(model.g, [image], mode, SEED);
  const milliseconds = performance.now() - started;
  if (!result) throw new Error("the generator gave no output");
  const output = new ImageData(unitRangeToRgba(result.data, outputNc), result.width, result.height);
  return { output, milliseconds };
}
