/**
 * `pix2pix translate` as a library call: one image file through a generator (a safetensors file we
 * wrote, a reference .pth, or a run folder), written as an image file.
 */
import { stat } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { imageSize, readImage, writeImage } from "../io/images.ts";
import { loadNetwork } from "../io/network-file.ts";
import { runFiles } from "../io/run-files.ts";
import { createGenerator, generatorConfig, generatorSizeMultiple } from "../models/index.ts";
import { resolveOptions } from "../options/schema.ts";
import { Rng } from "../random.ts";
import { type TranslateOptions, translateOptions } from "./translate-options.ts";

export interface TranslateResult {
  readonly output: string;
  readonly width: number;
  readonly height: number;
  /** The square size the network ran at (the load size rounded to what the generator takes). */
  readonly networkSize: number;
  readonly backend: BackendName;
  /** Time of the forward pass and the write. */
  readonly milliseconds: number;
}

/** A run folder stands for its latest generator. */
async function generatorFile(model: string): Promise<string> {
  const info = await stat(model).catch(() => {
    throw new UserError(
      `model not found: ${model}`,
      "give a .safetensors or .pth generator file, or a run folder",
    );
  });
  return info.isDirectory() ? runFiles(model, "latest").g : model;
}

function imageChannels(flag: string, value: number): 1 | 3 {
  if (value !== 1 && value !== 3)
    throw new UserError(`--${flag} must be 1 or 3 to read or write images, got ${value}`);
  return value;
}

/** The load size rounded to a multiple the generator takes (U-Nets halve it 7 or 8 times). */
export function networkSize(o: Pick<TranslateOptions, "netG" | "loadSize">): number {
  const multiple = generatorSizeMultiple(o.netG);
  return Math.max(multiple, Math.round(o.loadSize / multiple) * multiple);
}

export async function translateImage(
  input: string,
  given: Partial<TranslateOptions>,
): Promise<TranslateResult> {
  const o = resolveOptions(translateOptions, given);
  const inputNc = imageChannels("input-nc", o.inputNc);
  const outputNc = imageChannels("output-nc", o.outputNc);
  const size = networkSize(o);
  const file = await generatorFile(o.model);
  const backend = await useBackend(o.backend);
  const image = await readImage(input, inputNc, { height: size, width: size });
  const outputSize = o.originalSize ? await imageSize(input) : { width: size, height: size };
  const g = createGenerator(generatorConfig(o, inputNc, outputNc), null); // weights loaded next
  try {
    await loadNetwork(file, g);
    const started = performance.now();
    const y = tf.tidy(() => {
      const x = tf.tensor4d(image.data, [1, size, size, inputNc]);
      return g.apply(x, o.eval ? "eval" : "test", Rng.fromSeed(o.seed));
    });
    const data = (await y.data()) as Float32Array;
    y.dispose();
    await writeImage(o.output, { data, height: size, width: size, channels: outputNc }, outputSize);
    const milliseconds = Math.round(performance.now() - started);
    return { output: o.output, ...outputSize, networkSize: size, backend, milliseconds };
  } finally {
    g.dispose();
  }
}
