import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import { useBackend } from "../backend.ts";
import { renderSyntheticPair } from "../data/synthetic.ts";
import { readImage } from "../io/images.ts";
import { createGenerator, type GeneratorConfig, generatorConfig } from "../models/index.ts";
import { Rng } from "../random.ts";
import type { OpenedGenerator } from "./generator-file.ts";
import { overlapPixels, tileStarts } from "./tiles.ts";
import { type FileTranslationOptions, translateFile } from "./translate-file.ts";

const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-tiles-test-"));
const SIDE = 384;
const TILE = 256;
const photo = path.join(dir, "facade.png");

// Xavier weights (gain 1) keep the signal's scale through eval-mode batch norm, so the output depends
// on the input across the generator's whole receptive field, as a trained one's does.
const architecture = { netG: "resnet_6blocks", ngf: 8, norm: "batch", noDropout: true } as const;
const config = generatorConfig({ ...architecture, initType: "xavier", initGain: 1 }, 3, 3);
const generator: OpenedGenerator = {
  network: createGenerator(config, Rng.fromSeed(1)),
  architecture: { ...architecture, inputNc: 3, outputNc: 3 },
  file: "resnet (in memory)",
};
const options: FileTranslationOptions = {
  size: TILE,
  mode: "eval",
  seed: 0,
  tile: "auto",
  tileOverlap: 0.25,
  tileScale: 1,
  batchSize: 2,
  originalSize: false,
};

/** The columns where a tile was cut (a tile's first column, or the column after its last). */
function cutColumns(tile: number, overlap: number): number[] {
  const starts = tileStarts(SIDE, tile, overlapPixels(tile, overlap));
  return starts.flatMap((start, i) => [
    ...(i > 0 ? [start] : []),
    ...(i < starts.length - 1 ? [start + tile] : []),
  ]);
}

/**
 * The seam statistic: the mean step, in levels, between horizontal neighbours of `values` across the
 * cut columns, and the same over every other column (inside tiles).
 */
function steps(values: Float32Array, cuts: readonly number[]): { across: number; inside: number } {
  const sums = { across: 0, inside: 0 };
  const counts = { across: 0, inside: 0 };
  for (let y = 0; y < SIDE; y++) {
    for (let x = 1; x < SIDE; x++) {
      const where = cuts.includes(x) ? "across" : "inside";
      for (let c = 0; c < 3; c++) {
        const i = (y * SIDE + x) * 3 + c;
        sums[where] += Math.abs((values[i] as number) - (values[i - 3] as number)) * 127.5;
        counts[where]++;
      }
    }
  }
  return { across: sums.across / counts.across, inside: sums.inside / counts.inside };
}

async function translated(name: string, o: FileTranslationOptions): Promise<Float32Array> {
  const output = path.join(dir, name);
  const result = await translateFile(generator, photo, output, o);
  assert.deepEqual([result.width, result.height], [SIDE, SIDE], "the output has the input's size");
  return (await readImage(output, 3)).data;
}

describe("tiled translation", () => {
  before(async () => {
    await useBackend("auto");
    const { photo: rgb } = renderSyntheticPair(3, SIDE);
    await sharp(rgb, { raw: { width: SIDE, height: SIDE, channels: 3 } })
      .png()
      .toFile(photo);
  });

  test("a ResNet in eval mode gives the same image tiled as whole, with no seam", async () => {
    // 384 > 256: tiled by default (a ResNet); one tile of 384 is the whole image at once.
    const tiled = await translated("tiled.png", options);
    const whole = await translated("whole.png", { ...options, size: SIDE, tile: "on" });
    const cuts = cutColumns(TILE, options.tileOverlap);
    assert.deepEqual(cuts, [256, 128], "two tiles across, overlapping by half");

    // Away from the cuts (48 px: three quarters of the overlap) tiled and whole agree within 2 levels.
    const far = (v: number) => cuts.every((cut) => Math.abs(v - cut) >= 48);
    let worst = 0;
    let mean = 0;
    for (let i = 0; i < tiled.length; i++) {
      const d = Math.abs((tiled[i] as number) - (whole[i] as number)) * 127.5;
      mean += d / tiled.length;
      const pixel = Math.floor(i / 3);
      if (far(pixel % SIDE) && far(Math.floor(pixel / SIDE))) worst = Math.max(worst, d);
    }
    assert.ok(worst <= 2, `tiled vs whole away from the cuts: worst ${worst} levels`);
    assert.ok(mean < 0.25, `tiled vs whole over the image: mean ${mean} levels`);

    // Seams: what tiling changed (tiled − whole) steps across the cuts no more than inside the tiles.
    const change = tiled.map((v, i) => v - (whole[i] as number));
    const blended = steps(change, cuts);
    assert.ok(blended.across <= blended.inside, `seam statistic ${JSON.stringify(blended)}`);
    // The statistic sees seams: without the blending window the cuts step far more than inside.
    const unblended = await translated("unblended.png", { ...options, tileOverlap: 0 });
    const hard = steps(
      unblended.map((v, i) => v - (whole[i] as number)),
      cutColumns(TILE, 0),
    );
    assert.ok(hard.across > 5 * hard.inside, `seam statistic without blending ${JSON.stringify(hard)}`);
    // And the network's output is not flat: these differences are small against its own structure.
    const content = steps(whole, cuts);
    assert.ok(content.inside > 20, `the output's own steps ${JSON.stringify(content)}`);
  });

  test("a U-Net in the paper's test mode is scaled, not tiled, unless asked; tiled, it is at the input's size", async () => {
    const unet: GeneratorConfig = { ...config, netG: "unet_128", initType: "normal", initGain: 0.02 };
    const g: OpenedGenerator = {
      network: createGenerator(unet, Rng.fromSeed(2)),
      architecture: { ...generator.architecture, netG: "unet_128" },
      file: "unet (in memory)",
    };
    try {
      const test = { ...options, size: 128, mode: "test" as const };
      const scaled = await translateFile(g, photo, path.join(dir, "unet.png"), test);
      assert.deepEqual(scaled, { width: 128, height: 128, tiles: 0 });
      const progress: number[] = [];
      const tiles = await translateFile(
        g,
        photo,
        path.join(dir, "unet-tiled.jpg"),
        { ...test, tile: "on" },
        (done) => progress.push(done),
      );
      assert.deepEqual(tiles, { width: SIDE, height: SIDE, tiles: 16 });
      assert.equal(progress.at(-1), 16);
      const written = await sharp(path.join(dir, "unet-tiled.jpg")).metadata();
      assert.deepEqual([written.format, written.width, written.height], ["jpeg", SIDE, SIDE]);
      // --tile-scale 0.5: tiles cut from the image at 192×192 (2 × 2 of 128), output back at 384.
      const half = await translateFile(g, photo, path.join(dir, "unet-half.png"), {
        ...test,
        tile: "on",
        tileScale: 0.5,
      });
      assert.deepEqual(half, { width: SIDE, height: SIDE, tiles: 4 });
    } finally {
      g.network.dispose();
    }
  });
});
