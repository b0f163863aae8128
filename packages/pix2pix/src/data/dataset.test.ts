import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import sharp from "sharp";
import { type Rgb, tempDir, writeRgb } from "../../test/image-files.ts";
import { UserError } from "../errors.ts";
import { resolveOptions } from "../options/schema.ts";
import { Rng } from "../random.ts";
import {
  type DataOptions,
  dataOptions,
  openPairedDataset,
  type PairBatch,
  type PairedDataset,
} from "./index.ts";

const options = (given: Partial<DataOptions>): DataOptions =>
  resolveOptions(dataOptions, { numThreads: 0, loadSize: 36, cropSize: 32, ...given });

async function collect(dataset: PairedDataset, batchSize: number, seed: number): Promise<PairBatch[]> {
  const batches: PairBatch[] = [];
  for await (const batch of dataset.batches(batchSize, Rng.fromSeed(seed))) batches.push(batch);
  return batches;
}

async function withDataset<T>(
  given: Partial<DataOptions>,
  use: (d: PairedDataset) => Promise<T>,
): Promise<T> {
  const dataset = await openPairedDataset(options(given), Rng.fromSeed(0), { warn: () => {} });
  try {
    return await use(dataset);
  } finally {
    await dataset.close();
  }
}

/** An aligned 64x32 image: A (left) is `a`, B (right) is `b`. */
const aligned = (file: string, a: Rgb, b: Rgb) => writeRgb(file, 64, 32, (x) => (x < 32 ? a : b));

/** Values of the first pixel of each item in a batch, back in bytes. */
function firstPixels(data: Float32Array, shape: readonly number[]): number[][] {
  const [n, h, w, c] = shape as [number, number, number, number];
  return Array.from({ length: n }, (_, i) =>
    Array.from(data.subarray(i * h * w * c, i * h * w * c + c), (v) => Math.round((v + 1) * 127.5)),
  );
}

async function expectUserError(promise: Promise<unknown>, pattern: RegExp): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail(`expected a UserError matching ${pattern}`);
}

describe("aligned datasets", async () => {
  const root = tempDir();
  await aligned(path.join(root, "train", "1.png"), [200, 0, 0], [0, 0, 200]);
  await aligned(path.join(root, "train", "2.png"), [0, 200, 0], [0, 0, 100]);
  await aligned(path.join(root, "train", "3.png"), [0, 0, 200], [0, 0, 50]);
  await aligned(path.join(root, "val", "9.png"), [10, 10, 10], [0, 0, 0]);

  test("splits each image at width / 2: A is the input for AtoB, B for BtoA", async () => {
    const base = { dataroot: root, serialBatches: true, preprocess: "none" as const, noFlip: true };
    const [atob] = await withDataset(base, (d) => collect(d, 3, 1));
    assert.deepEqual(atob?.shapeA, [3, 32, 32, 3]);
    assert.deepEqual(firstPixels(atob?.a as Float32Array, atob?.shapeA ?? []), [
      [200, 0, 0],
      [0, 200, 0],
      [0, 0, 200],
    ]);
    assert.deepEqual(firstPixels(atob?.b as Float32Array, atob?.shapeB ?? []), [
      [0, 0, 200],
      [0, 0, 100],
      [0, 0, 50],
    ]);
    assert.deepEqual(
      atob?.paths.map((p) => path.basename(p)),
      ["1.png", "2.png", "3.png"],
    );
    const [btoa] = await withDataset({ ...base, direction: "BtoA" }, (d) => collect(d, 3, 1));
    assert.deepEqual(btoa?.a, atob?.b);
    assert.deepEqual(btoa?.b, atob?.a);
  });

  test("1-channel sides are PIL grayscale; the last batch is smaller; --phase picks the sub-folder", async () => {
    const base = { dataroot: root, serialBatches: true, preprocess: "none" as const, noFlip: true };
    const batches = await withDataset({ ...base, inputNc: 1 }, (d) => collect(d, 2, 1));
    assert.deepEqual(
      batches.map((b) => b.shapeA),
      [
        [2, 32, 32, 1],
        [1, 32, 32, 1],
      ],
    );
    assert.deepEqual(batches[0]?.shapeB, [2, 32, 32, 3]);
    assert.deepEqual(firstPixels(batches[0]?.a as Float32Array, batches[0]?.shapeA ?? []), [[60], [117]]);
    const val = await withDataset({ ...base, phase: "val" }, async (d) => d.size);
    assert.equal(val, 1);
    const limited = await withDataset({ ...base, maxDatasetSize: 2 }, async (d) => d.size);
    assert.equal(limited, 2);
  });

  test("one crop and flip per pair, applied to A and B alike", async () => {
    const dir = tempDir();
    // Both halves hold the same ramp, so a pair transformed alike has a == b.
    const ramp = (x: number, y: number): Rgb => [(x % 32) * 8, y * 8, 100];
    for (let i = 0; i < 6; i++) await writeRgb(path.join(dir, "train", `${i}.png`), 64, 32, ramp);
    const batches = await withDataset({ dataroot: dir }, (d) => collect(d, 6, 3));
    const batch = batches[0] as PairBatch;
    assert.deepEqual(batch.shapeA, [6, 32, 32, 3]);
    assert.deepEqual(batch.a, batch.b);
    const corners = firstPixels(batch.a, batch.shapeA).map((p) => p[0] as number);
    assert.ok(corners.some((v) => v > 128) && corners.some((v) => v < 128), `flips and crops: ${corners}`);
  });

  test("the same rng state gives the same batches, with worker threads or without", async () => {
    const base = { dataroot: root, loadSize: 40, cropSize: 32 };
    const inline = await withDataset(base, (d) => collect(d, 2, 42));
    const threaded = await withDataset({ ...base, numThreads: 2 }, (d) => collect(d, 2, 42));
    assert.deepEqual(threaded, inline);
    const other = await withDataset(base, (d) => collect(d, 2, 43));
    assert.notDeepEqual(other, inline);
    const orders = new Set<string>();
    for (let seed = 0; seed < 8; seed++) {
      const [b] = await withDataset({ ...base, noFlip: true }, (d) => collect(d, 3, seed));
      orders.add(b?.paths.join() ?? "");
    }
    assert.ok(orders.size > 1, "shuffled unless --serial-batches");
  });

  test("--preprocess none rounds sizes to multiples of 4 with one warning, as the reference", async () => {
    const dir = tempDir();
    for (const name of ["a", "b"])
      await writeRgb(path.join(dir, "train", `${name}.png`), 2 * 30, 22, () => [5, 5, 5]);
    const warnings: string[] = [];
    const dataset = await openPairedDataset(options({ dataroot: dir, preprocess: "none" }), Rng.fromSeed(0), {
      warn: (m) => warnings.push(m),
    });
    const [batch] = await collect(dataset, 2, 0);
    await dataset.close();
    assert.deepEqual(batch?.shapeA, [2, 24, 32, 3]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /30x22 is not a multiple of 4, so it is resized to 32x24/);
  });

  test("decodes JPEG, WebP, 16-bit PNG with alpha, and grayscale files", async () => {
    const dir = tempDir();
    await aligned(path.join(dir, "train", "a.jpg"), [250, 250, 250], [0, 0, 0]);
    await aligned(path.join(dir, "train", "b.webp"), [0, 0, 0], [250, 250, 250]);
    await sharp({
      create: { width: 64, height: 32, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.2 } },
    })
      .toColourspace("rgb16")
      .png()
      .toFile(path.join(dir, "train", "c.png"));
    await sharp({ create: { width: 64, height: 32, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .toColourspace("b-w")
      .png()
      .toFile(path.join(dir, "train", "d.png"));
    const [batch] = await withDataset(
      { dataroot: dir, serialBatches: true, preprocess: "none", noFlip: true },
      (d) => collect(d, 4, 0),
    );
    const pixels = firstPixels(batch?.a as Float32Array, batch?.shapeA ?? []);
    assert.ok(
      pixels[0]?.every((v) => Math.abs(v - 250) <= 3),
      `jpeg ${pixels[0]}`,
    );
    assert.deepEqual(pixels[1], [0, 0, 0]);
    assert.deepEqual(pixels[2], [255, 0, 0]);
    assert.deepEqual(pixels[3], [90, 90, 90]);
  });
});

describe("two-folder datasets", () => {
  test("pairs A/x with B/x by name, in the layouts the archives use", async () => {
    const root = tempDir();
    for (const name of ["p", "q"]) {
      await writeRgb(path.join(root, "train", "A", `${name}.png`), 32, 32, () => [255, 0, 0]);
      await writeRgb(path.join(root, "train", "B", `${name}.jpg`), 32, 32, () => [0, 0, 255]);
    }
    const [batch] = await withDataset(
      { dataroot: root, datasetMode: "folders", serialBatches: true, preprocess: "none" },
      (d) => collect(d, 2, 0),
    );
    assert.deepEqual(
      batch?.paths.map((p) => path.relative(root, p)),
      ["train/A/p.png", "train/A/q.png"],
    );
    assert.deepEqual(firstPixels(batch?.a as Float32Array, batch?.shapeA ?? [])[0], [255, 0, 0]);
    const other = tempDir();
    await writeRgb(path.join(other, "A", "test", "z.png"), 32, 32, () => [1, 2, 3]);
    await writeRgb(path.join(other, "B", "test", "z.png"), 32, 32, () => [1, 2, 3]);
    assert.equal(
      await withDataset({ dataroot: other, datasetMode: "folders", phase: "test" }, async (d) => d.size),
      1,
    );
  });

  test("files without a partner are one error listing every unpaired name, or skipped with --skip-bad", async () => {
    const root = tempDir();
    await writeRgb(path.join(root, "train", "A", "both.png"), 32, 32, () => [0, 0, 0]);
    await writeRgb(path.join(root, "train", "B", "both.png"), 32, 32, () => [0, 0, 0]);
    await writeRgb(path.join(root, "train", "A", "lonelyA.png"), 32, 32, () => [0, 0, 0]);
    await writeRgb(path.join(root, "train", "B", "lonelyB.png"), 32, 32, () => [0, 0, 0]);
    const base = { dataroot: root, datasetMode: "folders" as const };
    await expectUserError(
      openPairedDataset(options(base), Rng.fromSeed(0)),
      /2 file.*lonelyA\.png.*lonelyB\.png/,
    );
    const skipped = await withDataset({ ...base, skipBad: true }, async (d) => ({
      size: d.size,
      skipped: d.skipped.map((s) => path.basename(s.path)),
    }));
    assert.deepEqual(skipped, { size: 1, skipped: ["lonelyA.png", "lonelyB.png"] });
  });

  test("A and B of different sizes are refused, naming both files", async () => {
    const root = tempDir();
    await writeRgb(path.join(root, "train", "A", "x.png"), 32, 32, () => [0, 0, 0]);
    await writeRgb(path.join(root, "train", "B", "x.png"), 32, 30, () => [0, 0, 0]);
    await expectUserError(
      openPairedDataset(options({ dataroot: root, datasetMode: "folders" }), Rng.fromSeed(0)),
      /B\/x\.png is 32x30 but its partner .*A\/x\.png is 32x32/,
    );
  });
});

describe("bad input", async () => {
  const jpeg = await writeRgb(path.join(tempDir(), "ok.jpg"), 64, 32, (x, y) => [x * 4, y * 8, 0]);
  const bytes = readFileSync(jpeg);
  const cases: { name: string; make: (file: string) => unknown; problem: RegExp }[] = [
    { name: "zero.jpg", make: (f) => writeFileSync(f, ""), problem: /is empty \(0 bytes\)/ },
    { name: "text.png", make: (f) => writeFileSync(f, "not an image\n"), problem: /is not an image/ },
    {
      name: "garbage.jpg",
      make: (f) => writeFileSync(f, Buffer.concat([bytes.subarray(0, 4), Buffer.alloc(400, 7)])),
      problem: /is (truncated or corrupt|not an image)/,
    },
    { name: "odd.png", make: (f) => writeRgb(f, 63, 32, () => [0, 0, 0]), problem: /odd width \(63x32\)/ },
    { name: "dangling.png", make: (f) => symlinkSync("/nonexistent/x.png", f), problem: /does not exist/ },
    { name: "fifo.png", make: (f) => execFileSync("mkfifo", [f]), problem: /is not a regular file/ },
  ];

  for (const { name, make, problem } of cases) {
    test(`${name}: one UserError naming the file and what is wrong`, async () => {
      const root = tempDir();
      await aligned(path.join(root, "train", "good.png"), [0, 0, 0], [9, 9, 9]);
      await make(path.join(root, "train", name));
      const error = await expectUserError(
        openPairedDataset(options({ dataroot: root }), Rng.fromSeed(0)),
        problem,
      );
      assert.ok(error.message.includes(path.join(root, "train", name)), error.message);
      assert.doesNotMatch(error.message, /\n/);
    });
  }

  test("a truncated JPEG is found while loading: an error, or with --skip-bad a skipped file", async () => {
    const root = tempDir();
    await aligned(path.join(root, "train", "a.png"), [0, 0, 0], [9, 9, 9]);
    writeFileSync(path.join(root, "train", "b.jpg"), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await withDataset({ dataroot: root, numThreads: 1 }, async (d) => {
      assert.equal(d.size, 2, "the header is intact, so the file passes the open-time check");
      await expectUserError(collect(d, 1, 0), /b\.jpg is truncated or corrupt/);
    });
    const warnings: string[] = [];
    const dataset = await openPairedDataset(options({ dataroot: root, skipBad: true }), Rng.fromSeed(0), {
      warn: (m) => warnings.push(m),
    });
    const first = await collect(dataset, 2, 0);
    assert.deepEqual(
      first.map((b) => b.paths.length),
      [1],
    );
    assert.deepEqual(
      dataset.skipped.map((s) => path.basename(s.path)),
      ["b.jpg"],
    );
    assert.match(warnings.join("\n"), /skipped 1 bad file.*b\.jpg/);
    assert.equal(dataset.size, 1, "left out of later epochs");
    await dataset.close();
  });

  test("every bad file is skipped with --skip-bad and reported, the good ones load", async () => {
    const root = tempDir();
    await aligned(path.join(root, "train", "good.png"), [0, 0, 0], [9, 9, 9]);
    for (const { name, make } of cases) await make(path.join(root, "train", name));
    const warnings: string[] = [];
    const dataset = await openPairedDataset(options({ dataroot: root, skipBad: true }), Rng.fromSeed(0), {
      warn: (m) => warnings.push(m),
    });
    assert.equal(dataset.size, 1);
    assert.equal(dataset.skipped.length, cases.length);
    assert.match(warnings[0] ?? "", new RegExp(`skipping ${cases.length} bad file`));
    assert.equal((await collect(dataset, 4, 0)).length, 1);
    await dataset.close();
  });

  test("a missing folder, an empty folder, a missing --dataroot and bad channel counts are user errors", async () => {
    const root = tempDir();
    await expectUserError(
      openPairedDataset(options({ dataroot: path.join(root, "nope") }), Rng.fromSeed(0)),
      /nope.* does not exist/,
    );
    writeFileSync(path.join(root, "README.txt"), "no images here");
    await expectUserError(openPairedDataset(options({ dataroot: root }), Rng.fromSeed(0)), /does not exist/);
    const empty = tempDir();
    mkdirSync(path.join(empty, "train", "notes"), { recursive: true });
    writeFileSync(path.join(empty, "train", "notes", "x.txt"), "not an image file");
    await expectUserError(openPairedDataset(options({ dataroot: empty }), Rng.fromSeed(0)), /no images in/);
    await expectUserError(openPairedDataset(options({}), Rng.fromSeed(0)), /--dataroot is needed/);
    await expectUserError(
      openPairedDataset(options({ datasetMode: "synthetic", inputNc: 2 }), Rng.fromSeed(0)),
      /--input-nc must be 1 .* or 3/,
    );
  });
});
