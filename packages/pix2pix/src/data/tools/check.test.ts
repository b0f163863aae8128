import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempDir, writeRgb } from "../../../test/image-files.ts";
import { checkDataset, formatCheckReport } from "./check.ts";

test("check decodes everything and reports every problem per phase, with counts", async () => {
  const root = tempDir();
  const good = await writeRgb(path.join(root, "train", "good.jpg"), 64, 32, (x, y) => [x * 4, y * 8, 0]);
  await writeRgb(path.join(root, "train", "odd.png"), 63, 32, () => [0, 0, 0]);
  writeFileSync(path.join(root, "train", "empty.jpg"), "");
  writeFileSync(path.join(root, "train", "text.png"), "hello");
  const bytes = readFileSync(good);
  writeFileSync(path.join(root, "train", "cut.jpg"), bytes.subarray(0, Math.floor(bytes.length / 2)));
  await writeRgb(path.join(root, "val", "v.png"), 128, 64, () => [0, 0, 0]);
  const report = await checkDataset(root, "aligned", { threads: 0 });
  assert.deepEqual(
    report.phases.map((p) => [p.phase, p.pairs, p.good, p.problems.length]),
    [
      ["train", 5, 1, 4],
      ["val", 1, 1, 0],
    ],
  );
  assert.deepEqual(report.phases[1]?.sizes, { "64x64": 1 });
  assert.equal(report.totalProblems, 4);
  assert.deepEqual(Object.values(report.counts).sort(), [1, 1, 1, 1]);
  const text = formatCheckReport(report);
  assert.match(text, /train: 5 pairs, 1 good/);
  assert.match(text, /cut\.jpg is truncated or corrupt/);
  assert.match(text, /empty\.jpg is empty/);
  assert.match(text, /4 problem\(s\)/);
});

test("check finds the phases of a two-folder dataset and its unpaired files", async () => {
  const root = tempDir();
  await writeRgb(path.join(root, "A", "train", "1.png"), 8, 8, () => [0, 0, 0]);
  await writeRgb(path.join(root, "B", "train", "1.png"), 8, 8, () => [0, 0, 0]);
  await writeRgb(path.join(root, "A", "train", "2.png"), 8, 8, () => [0, 0, 0]);
  await writeRgb(path.join(root, "A", "test", "1.png"), 8, 8, () => [0, 0, 0]);
  await writeRgb(path.join(root, "B", "test", "1.png"), 8, 8, () => [0, 0, 0]);
  const report = await checkDataset(root, "folders", { threads: 0 });
  assert.deepEqual(
    report.phases.map((p) => [p.phase, p.good, p.problems.map((x) => path.basename(x.path))]),
    [
      ["test", 1, []],
      ["train", 1, ["2.png"]],
    ],
  );
  assert.deepEqual(report.counts, { "has no partner of the same name in the other folder": 1 });
});
