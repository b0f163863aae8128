import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveOptions } from "../options/schema.ts";
import { Rng } from "../random.ts";
import { dataOptions, openPairedDataset, type PairBatch } from "./index.ts";
import { FACADE_CLASSES, renderSyntheticPair } from "./synthetic.ts";

test("pair i is the same every time and differs from pair j", () => {
  const first = renderSyntheticPair(5, 48);
  assert.deepEqual(renderSyntheticPair(5, 48), first);
  assert.notDeepEqual(renderSyntheticPair(6, 48).labels, first.labels);
  assert.equal(first.photo.length, 48 * 48 * 3);
});

test("the label map is flat class colours; the photo is textured, with dark glass where the windows are", () => {
  const key = (c: ArrayLike<number>, at = 0) =>
    (c[at] as number) * 65536 + (c[at + 1] as number) * 256 + (c[at + 2] as number);
  const palette = new Set(Object.values(FACADE_CLASSES).map((c) => key(c)));
  const windowColour = key(FACADE_CLASSES.window);
  const wallColour = key(FACADE_CLASSES.wall);
  let windows = 0;
  let walls = 0;
  let windowLight = 0;
  let wallLight = 0;
  const photoColours = new Set<number>();
  for (let i = 0; i < 8; i++) {
    const { photo, labels } = renderSyntheticPair(i, 128);
    for (let p = 0; p < 128 * 128; p++) {
      const label = key(labels, 3 * p);
      assert.ok(palette.has(label), `pixel ${p} of pair ${i} has colour ${label}`);
      const light = (photo[3 * p] as number) + (photo[3 * p + 1] as number) + (photo[3 * p + 2] as number);
      photoColours.add(key(photo, 3 * p));
      if (label === windowColour) {
        windows++;
        windowLight += light;
      } else if (label === wallColour) {
        walls++;
        wallLight += light;
      }
    }
  }
  assert.ok(windows > 0 && walls > 0);
  assert.ok(windowLight / windows < 0.9 * (wallLight / walls), "glass is darker than the wall");
  assert.ok(photoColours.size > 500, `a textured photo, ${photoColours.size} colours`);
});

async function epoch(
  given: Parameters<typeof resolveOptions<typeof dataOptions>>[1],
  seed: number,
): Promise<PairBatch[]> {
  const options = resolveOptions(dataOptions, {
    datasetMode: "synthetic",
    cropSize: 32,
    numThreads: 0,
    ...given,
  });
  const dataset = await openPairedDataset(options, Rng.fromSeed(0));
  const batches: PairBatch[] = [];
  for await (const batch of dataset.batches(4, Rng.fromSeed(seed))) batches.push(batch);
  await dataset.close();
  return batches;
}

test("the synthetic dataset: count and size from the options, BtoA is labels → photo, test pairs are held out", async () => {
  const train = await epoch({ syntheticCount: 6, direction: "BtoA", serialBatches: true, noFlip: true }, 1);
  assert.deepEqual(
    train.map((b) => b.shapeA),
    [
      [4, 32, 32, 3],
      [2, 32, 32, 3],
    ],
  );
  const pair0 = renderSyntheticPair(0, 32);
  const firstLabels = Array.from(train[0]?.a.subarray(0, 32 * 32 * 3) ?? [], (v) =>
    Math.round((v + 1) * 127.5),
  );
  assert.deepEqual(firstLabels, Array.from(pair0.labels));
  const test_ = await epoch({ syntheticCount: 6, phase: "test", serialBatches: true }, 1);
  assert.notDeepEqual(test_[0]?.a.subarray(0, 100), train[0]?.b.subarray(0, 100));
  assert.match(test_[0]?.paths[0] ?? "", /synthetic\/2000000/);
});

test("pairs do not depend on the order they are drawn in; the same seed gives the same epoch", async () => {
  const shuffled = await epoch({ syntheticCount: 8, noFlip: true }, 3);
  const again = await epoch({ syntheticCount: 8, noFlip: true }, 3);
  assert.deepEqual(again, shuffled);
  const serial = await epoch({ syntheticCount: 8, noFlip: true, serialBatches: true }, 3);
  const byPath = (batches: PairBatch[]) => {
    const map = new Map<string, number[]>();
    for (const b of batches) {
      b.paths.forEach((p, i) => {
        map.set(p, Array.from(b.a.subarray(i * 3072, i * 3072 + 3072)));
      });
    }
    return map;
  };
  const a = byPath(shuffled);
  const b = byPath(serial);
  assert.notDeepEqual(
    shuffled.flatMap((x) => x.paths),
    serial.flatMap((x) => x.paths),
  );
  for (const [p, pixels] of b) assert.deepEqual(a.get(p), pixels, p);
});

test("a consumer may stop after one batch: close() then returns, with pairs still in flight in the workers", async () => {
  const options = resolveOptions(dataOptions, { datasetMode: "synthetic", cropSize: 32, numThreads: 2 });
  const dataset = await openPairedDataset({ ...options, syntheticCount: 40 }, Rng.fromSeed(0));
  let seen = 0;
  for await (const batch of dataset.batches(2, Rng.fromSeed(1))) {
    seen += batch.shapeA[0];
    break;
  }
  assert.equal(seen, 2);
  await dataset.close();
});
