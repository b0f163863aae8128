import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempDir, writeRgb } from "../../../test/image-files.ts";
import { UserError } from "../../errors.ts";
import { decodeRgb } from "../decode.ts";
import { combineFolders, splitAligned } from "./combine.ts";
import { makeEdgePairs } from "./edges.ts";

const pixel = (image: { data: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

test("combine joins A/x and B/x side by side per split; split cuts them back", async () => {
  const root = tempDir();
  for (const split of ["train", "test"]) {
    await writeRgb(path.join(root, "A", split, "x.png"), 16, 8, () => [255, 0, 0]);
    await writeRgb(path.join(root, "B", split, "x.png"), 16, 8, () => [0, 0, 255]);
  }
  const out = path.join(root, "aligned");
  const combined = await combineFolders(path.join(root, "A"), path.join(root, "B"), out);
  assert.deepEqual(combined, { written: 2, failed: [] });
  const image = await decodeRgb(path.join(out, "train", "x.png"));
  assert.equal(image.width, 32);
  assert.deepEqual(pixel(image, 0, 0), [255, 0, 0]);
  assert.deepEqual(pixel(image, 31, 7), [0, 0, 255]);

  const back = path.join(root, "folders");
  assert.deepEqual(await splitAligned(out, back), { written: 2, failed: [] });
  const a = await decodeRgb(path.join(back, "A", "test", "x.png"));
  const b = await decodeRgb(path.join(back, "B", "test", "x.png"));
  assert.deepEqual([a.width, a.height, ...pixel(a, 5, 5)], [16, 8, 255, 0, 0]);
  assert.deepEqual(pixel(b, 5, 5), [0, 0, 255]);
});

test("combine refuses unpaired files and reports pairs of different sizes without stopping", async () => {
  const root = tempDir();
  await writeRgb(path.join(root, "A", "only.png"), 8, 8, () => [0, 0, 0]);
  await writeRgb(path.join(root, "B", "other.png"), 8, 8, () => [0, 0, 0]);
  await assert.rejects(
    combineFolders(path.join(root, "A"), path.join(root, "B"), path.join(root, "out")),
    (e: unknown) => e instanceof UserError && /only\.png.*other\.png/.test(e.message),
  );
  const sized = tempDir();
  await writeRgb(path.join(sized, "A", "a.png"), 8, 8, () => [0, 0, 0]);
  await writeRgb(path.join(sized, "B", "a.png"), 8, 6, () => [0, 0, 0]);
  await writeRgb(path.join(sized, "A", "b.png"), 8, 8, () => [0, 0, 0]);
  await writeRgb(path.join(sized, "B", "b.png"), 8, 8, () => [0, 0, 0]);
  const report = await combineFolders(path.join(sized, "A"), path.join(sized, "B"), path.join(sized, "out"));
  assert.equal(report.written, 1);
  assert.match(report.failed[0]?.problem ?? "", /is 8x6 but its partner .*a\.png is 8x8/);
  assert.ok(existsSync(path.join(sized, "out", "b.png")));
});

test("edges writes black-on-white Canny edges | the photo", async () => {
  const root = tempDir();
  await writeRgb(path.join(root, "photos", "sq.jpg"), 32, 32, (x, y) =>
    x >= 8 && x < 24 && y >= 8 && y < 24 ? [230, 230, 230] : [20, 20, 20],
  );
  const out = path.join(root, "pairs");
  assert.deepEqual(await makeEdgePairs(path.join(root, "photos"), out, { sigma: 1, low: 0.1, high: 0.3 }), {
    written: 1,
    failed: [],
  });
  const pair = await decodeRgb(path.join(out, "sq.png"));
  assert.equal(pair.width, 64);
  assert.deepEqual(pixel(pair, 16, 16), [255, 255, 255], "no edge inside the square");
  assert.deepEqual(pixel(pair, 2, 2), [255, 255, 255], "no edge in the flat background");
  const borderRow = [...Array(32).keys()].map((x) => pixel(pair, x, 16)[0]);
  assert.ok(
    borderRow.slice(6, 10).includes(0) && borderRow.slice(22, 26).includes(0),
    `edges at the border: ${borderRow}`,
  );
  assert.ok((pixel(pair, 32 + 16, 16)[0] as number) > 200, "the photo on the right");
});
