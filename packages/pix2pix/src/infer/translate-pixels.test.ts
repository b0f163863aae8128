import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { BACKENDS, useBackend } from "../backend.ts";
import type { ImagePixels } from "../io/images.ts";
import { createGenerator, type GeneratorConfig, generatorConfig } from "../models/index.ts";
import type { Network } from "../nn/network.ts";
import { Rng } from "../random.ts";
import { translatePixels } from "./translate-pixels.ts";

/** Batch norm and dropout, the two layers through which a batch's images could reach each other. */
const generators: readonly (readonly [GeneratorConfig, number])[] = [
  [generatorConfig({ netG: "resnet_6blocks", ngf: 4, norm: "batch", noDropout: false }, 3, 3), 32],
  [generatorConfig({ netG: "unet_128", ngf: 4, norm: "batch", noDropout: false }, 3, 3), 128],
];

function noise(size: number, seed: number): ImagePixels {
  const rng = Rng.fromSeed(seed);
  const data = new Float32Array(size * size * 3).map(() => rng.next() * 2 - 1);
  return { data, height: size, width: size, channels: 3 };
}

/** `g`, recording the batch size of every forward pass. */
function counting(g: Network, batches: number[]): Network {
  const apply: Network["apply"] = (x, mode, rng) => {
    batches.push(x.shape[0]);
    return g.apply(x, mode, rng);
  };
  return { ...g, apply };
}

const bytes = (image: ImagePixels | undefined) => Buffer.from((image as ImagePixels).data.buffer);

describe("translatePixels: a batch answers as its images alone, in one forward pass", () => {
  for (const backend of BACKENDS) {
    for (const [config, size] of generators) {
      test(`${config.netG}, test and eval modes (${backend})`, async () => {
        await useBackend(backend);
        const g = createGenerator(config, Rng.fromSeed(3));
        try {
          const images = [noise(size, 1), noise(size, 2), noise(size, 3)];
          for (const mode of ["test", "eval"] as const) {
            const alone: ImagePixels[] = [];
            for (const image of images) alone.push(...(await translatePixels(g, [image], mode, 5)));
            const batches: number[] = [];
            const together = await translatePixels(counting(g, batches), images, mode, 5);
            assert.deepEqual(batches, [images.length], `${mode}: one forward pass over the batch`);
            for (const [i, output] of together.entries()) {
              assert.ok(bytes(output).equals(bytes(alone[i])), `${mode}: image ${i} differs in a batch`);
            }
            assert.ok(!bytes(alone[0]).equals(bytes(alone[1])), "different inputs give different outputs");
          }
          // Plain test mode on the same batch shares batch statistics and draws a mask per image: the
          // comparison above would catch a batch that fell back to it.
          const shared = tf.tidy(() =>
            g.apply(
              tf.tensor4d(Float32Array.from(images.flatMap((im) => [...im.data])), [3, size, size, 3]),
              "test",
              Rng.fromSeed(5),
            ),
          );
          const [alone0] = await translatePixels(g, [images[0] as ImagePixels], "test", 5);
          const first = (await shared.data()).slice(0, size * size * 3) as Float32Array;
          shared.dispose();
          assert.ok(!Buffer.from(first.buffer).equals(bytes(alone0)), "a shared batch differs from alone");
        } finally {
          g.dispose();
        }
      });
    }
  }
});
