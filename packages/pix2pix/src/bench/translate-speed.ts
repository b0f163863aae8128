/**
 * The speed of `translate` at scale, with a U-Net-256 generator (random weights) and rendered
 * photo-like images (the synthetic facades), every figure beside a baseline measured in the same run:
 *  - folders: images/s through the whole pipeline (files read, scaled and written on worker threads,
 *    batches through the network) at batch 1, 4 and 8, against the network alone at the same batch
 *    (`of_network`: 1 means reading and writing cost the network nothing), and the share of the run's
 *    wall time spent in the network's forward passes (`network_share`, measured over the same seconds,
 *    so it holds on a machine whose load changes between measurements);
 *  - one large image in tiles: megapixels/s against the network alone on the same number of tiles,
 *    and the process's peak resident memory against the image as floats, which the tiling never holds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import type { BackendName } from "../backend.ts";
import { renderSyntheticPair } from "../data/synthetic.ts";
import type { OpenedGenerator } from "../infer/generator-file.ts";
import { overlapPixels, tileStarts } from "../infer/tiles.ts";
import type { FileTranslationOptions } from "../infer/translate-file.ts";
import { translateFile } from "../infer/translate-file.ts";
import { translateFolder } from "../infer/translate-folder.ts";
import { translationItems } from "../infer/translate-inputs.ts";
import { type InferenceMode, translatePixels } from "../infer/translate-pixels.ts";
import { encodeImage, type ImagePixels } from "../io/images.ts";
import { createGenerator, generatorConfig } from "../models/index.ts";
import type { Network } from "../nn/network.ts";
import { Rng } from "../random.ts";

export interface TranslateBenchOptions {
  readonly ngf: number;
  readonly batches: readonly number[];
  /** Images per batch size in the folder runs. */
  readonly images: number;
  /** The large image's side (square), translated in tiles of 256. */
  readonly side: number;
  /** Tiles per forward pass for the large image. */
  readonly tileBatch: number;
  readonly mode: InferenceMode;
  readonly numThreads: number;
  readonly backend: BackendName;
}

export interface BatchResult {
  readonly batch: number;
  readonly images_per_s: number;
  readonly network_images_per_s: number;
  readonly of_network: number;
  readonly network_share: number;
}

export interface TranslateBenchReport {
  readonly model: { readonly netG: "unet_256"; readonly ngf: number; readonly size: 256 };
  readonly mode: InferenceMode;
  readonly backend: BackendName;
  readonly folders: readonly BatchResult[];
  readonly tiled: {
    readonly side: number;
    readonly tiles: number;
    readonly tile_batch: number;
    readonly megapixels_per_s: number;
    readonly network_megapixels_per_s: number;
    readonly of_network: number;
    readonly network_share: number;
    readonly seconds: number;
    readonly rss_before_mb: number;
    /** The peak before the tiled run: the model and its batch of tiles in the network alone. */
    readonly peak_rss_before_mb: number;
    readonly peak_rss_mb: number;
    /** The image as floats in and out (what an untiled run would hold at least). */
    readonly image_as_floats_mb: number;
    readonly peak_of_image_as_floats: number;
  };
}

const SIZE = 256;
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
/** The process's peak resident memory so far, in bytes (Node reports KiB). */
const peakRss = () => process.resourceUsage().maxRSS * 1024;

const RENDERED = 1024;

function photo(index: number, side: number): ImagePixels {
  const { photo: rgb } = renderSyntheticPair(index, side);
  const data = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) data[i] = (rgb[i] as number) / 127.5 - 1;
  return { data, height: side, width: side, channels: 3 };
}

/**
 * A `side`-pixel square PNG of different rendered facades side by side, 1024 pixels each: composed by
 * libvips from small PNGs, so that making it does not raise this process's peak memory.
 */
async function writeLargePhoto(file: string, side: number): Promise<void> {
  const per = Math.ceil(side / RENDERED);
  const parts = [];
  for (let i = 0; i < per * per; i++) {
    const input = await encodeImage(photo(1000 + i, RENDERED), "png");
    parts.push({ input, left: (i % per) * RENDERED, top: Math.floor(i / per) * RENDERED });
  }
  const canvas = sharp({
    create: { width: per * RENDERED, height: per * RENDERED, channels: 3, background: "black" },
    limitInputPixels: false,
  });
  const composed = await canvas.composite(parts).png().toBuffer();
  await sharp(composed, { limitInputPixels: false })
    .extract({ left: 0, top: 0, width: side, height: side })
    .toFile(file);
}

/** `network` with the seconds its forward passes take counted (the onednn backend computes in `apply`). */
function timed(network: Network): { network: Network; seconds: () => number; reset: () => void } {
  let total = 0;
  return {
    network: {
      params: network.params,
      buffers: network.buffers,
      apply(x, mode, rng) {
        const started = performance.now();
        const y = network.apply(x, mode, rng);
        total += (performance.now() - started) / 1000;
        return y;
      },
      dispose: () => network.dispose(),
    },
    seconds: () => total,
    reset: () => {
      total = 0;
    },
  };
}

/** Seconds per call of `f`, over `runs` calls after one unmeasured call. */
async function secondsPer(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const started = performance.now();
  for (let i = 0; i < runs; i++) await f();
  return (performance.now() - started) / 1000 / runs;
}

export async function measureTranslateSpeed(o: TranslateBenchOptions): Promise<TranslateBenchReport> {
  const architecture = { netG: "unet_256", ngf: o.ngf, norm: "batch", noDropout: false } as const;
  const clock = timed(createGenerator(generatorConfig(architecture, 3, 3), Rng.fromSeed(0)));
  const generator: OpenedGenerator = {
    network: clock.network,
    architecture: { ...architecture, inputNc: 3, outputNc: 3 },
    file: "unet_256 (random weights)",
  };
  const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-translate-bench-"));
  const base: FileTranslationOptions = {
    size: SIZE,
    mode: o.mode,
    seed: 0,
    tile: "on",
    tileOverlap: 0.25,
    tileScale: 1,
    batchSize: o.tileBatch,
    originalSize: false,
  };
  try {
    const tile = photo(1, SIZE);
    const networkTiles = (count: number) =>
      secondsPer(2, () => translatePixels(generator.network, Array(count).fill(tile), o.mode, 0));

    // The large image first, so that the peak memory is its own (the batches of 8 come after).
    const large = path.join(dir, "large.png");
    await writeLargePhoto(large, o.side);
    const tileSeconds = (await networkTiles(o.tileBatch)) / o.tileBatch;
    const rssBefore = process.memoryUsage().rss;
    const peakBefore = peakRss();
    clock.reset();
    const started = performance.now();
    const { tiles } = await translateFile(generator, large, path.join(dir, "large-out.png"), base);
    const seconds = (performance.now() - started) / 1000;
    const tiledShare = clock.seconds() / seconds;
    const peak = peakRss();
    const megapixels = (o.side * o.side) / 1e6;
    const shared = overlapPixels(SIZE, base.tileOverlap);
    const expectedTiles = tileStarts(o.side, SIZE, shared).length ** 2;
    if (tiles !== expectedTiles) throw new Error(`${tiles} tiles, expected ${expectedTiles}`);
    const floats = 2 * o.side * o.side * 3 * 4;

    for (let i = 0; i < o.images; i++) {
      await sharp(await encodeImage(photo(100 + i, SIZE), "png")).toFile(path.join(dir, `in-${i}.png`));
    }
    const folders: BatchResult[] = [];
    for (const batch of o.batches) {
      const out = path.join(dir, `out-${batch}`);
      const items = await translationItems([path.join(dir, "in-*.png")], out);
      const options = {
        ...base,
        tile: "off" as const,
        batchSize: batch,
        skipExisting: false,
        numThreads: o.numThreads,
      };
      clock.reset();
      const folderStarted = performance.now();
      const summary = await translateFolder(generator, items, options);
      const folderSeconds = (performance.now() - folderStarted) / 1000;
      const share = clock.seconds() / folderSeconds;
      if (summary.done !== o.images) throw new Error(`translated ${summary.done} of ${o.images}`);
      const network = batch / (await networkTiles(batch));
      const images = o.images / folderSeconds;
      folders.push({
        batch,
        images_per_s: round(images),
        network_images_per_s: round(network),
        of_network: round(images / network),
        network_share: round(share),
      });
    }
    const tiledRate = megapixels / seconds;
    const networkRate = megapixels / (tileSeconds * tiles);
    return {
      model: { netG: "unet_256", ngf: o.ngf, size: SIZE },
      mode: o.mode,
      backend: o.backend,
      folders,
      tiled: {
        side: o.side,
        tiles,
        tile_batch: o.tileBatch,
        megapixels_per_s: round(tiledRate, 3),
        network_megapixels_per_s: round(networkRate, 3),
        of_network: round(tiledRate / networkRate),
        network_share: round(tiledShare),
        seconds: round(seconds, 1),
        rss_before_mb: mb(rssBefore),
        peak_rss_before_mb: mb(peakBefore),
        peak_rss_mb: mb(peak),
        image_as_floats_mb: mb(floats),
        peak_of_image_as_floats: round(peak / floats),
      },
    };
  } finally {
    generator.network.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
