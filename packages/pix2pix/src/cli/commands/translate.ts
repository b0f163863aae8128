/** `pix2pix translate`: one image through a generator (a safetensors file we wrote, or a reference .pth). */
import { stat } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_CHOICES, useBackend } from "../../backend.ts";
import { dataOptions } from "../../data/options.ts";
import { UserError } from "../../errors.ts";
import { imageSize, readImage, writeImage } from "../../io/images.ts";
import { loadNetwork } from "../../io/network-file.ts";
import { runFiles } from "../../io/run-files.ts";
import { createGenerator, generatorConfig, generatorSizeMultiple } from "../../models/index.ts";
import { modelOptions } from "../../models/options.ts";
import { option } from "../../options/schema.ts";
import { Rng } from "../../random.ts";
import { defineCommand } from "../command.ts";

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

export const translateCommand = defineCommand({
  options: {
    model: option.string(
      undefined,
      "generator weights: .safetensors, a reference .pth, or a run folder",
      "file",
    ),
    output: option.string(undefined, "the image to write (.png, .jpg, .webp)", "file", "o"),
    "load-size": option.int(
      256,
      "resize the input to this square size (rounded to a size the generator takes)",
      {
        min: 1,
      },
    ),
    "original-size": option.flag(
      "write the output at the input image's size (bicubic); default: the network's size, as the reference",
    ),
    eval: option.flag(
      "running BN statistics and no dropout (the reference's --eval); default: the paper's test mode",
    ),
    seed: option.int(0, "seed of the dropout masks in test mode", { min: 0 }),
    ...modelOptions,
    "input-nc": dataOptions["input-nc"],
    "output-nc": dataOptions["output-nc"],
    backend: option.enum(BACKEND_CHOICES, "auto", "tfjs backend (auto: the fastest available)"),
  },
  positionals: [{ name: "INPUT", help: "the image to translate", arity: "one" }],
  examples: [
    "pix2pix translate --model facades_G.safetensors -o out.png in.jpg",
    "pix2pix translate --model latest_net_G.pth --eval -o out.png in.jpg",
    "pix2pix translate --model runs/facades --original-size -o out.png photo.jpg",
  ],
  async run(options, [input]) {
    if (options.model === undefined)
      throw new UserError("missing --model", "e.g. --model latest_net_G.safetensors");
    if (options.output === undefined) throw new UserError("missing --output", "e.g. --output out.png");
    const inputNc = imageChannels("input-nc", options.inputNc);
    const outputNc = imageChannels("output-nc", options.outputNc);
    const multiple = generatorSizeMultiple(options.netG);
    const size = Math.max(multiple, Math.round(options.loadSize / multiple) * multiple);
    if (size !== options.loadSize)
      console.log(`${options.netG} takes multiples of ${multiple}: resizing to ${size}×${size}`);
    const file = await generatorFile(options.model);
    const backend = await useBackend(options.backend);
    const image = await readImage(input as string, inputNc, { height: size, width: size });
    const outputSize = options.originalSize
      ? await imageSize(input as string)
      : { width: size, height: size };
    const g = createGenerator(generatorConfig(options, inputNc, outputNc), null); // weights loaded next
    try {
      await loadNetwork(file, g);
      const started = performance.now();
      const y = tf.tidy(() => {
        const x = tf.tensor4d(image.data, [1, size, size, inputNc]);
        return g.apply(x, options.eval ? "eval" : "test", Rng.fromSeed(options.seed));
      });
      const data = (await y.data()) as Float32Array;
      y.dispose();
      await writeImage(options.output, { data, height: size, width: size, channels: outputNc }, outputSize);
      const ms = Math.round(performance.now() - started);
      const { width, height } = outputSize;
      console.log(`wrote ${options.output} (${width}×${height}, ${backend} backend, ${ms} ms)`);
    } finally {
      g.dispose();
    }
  },
});
