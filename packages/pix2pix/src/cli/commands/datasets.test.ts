import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../../../test/cli-helpers.ts";
import { tempDir, writeRgb } from "../../../test/image-files.ts";

test("an unknown datasets subcommand is refused with the list of subcommands", () => {
  const wrong = runCli(["datasets", "frobnicate"]);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /unknown subcommand 'frobnicate' for 'pix2pix datasets'/);
  assert.match(wrong.stderr, /subcommands: download, check, combine, split, edges, synthetic, bench/);
});

test("datasets synthetic writes pairs that pass datasets check; bad files added fail it (exit 2) and are listed", async () => {
  const root = tempDir();
  const written = runCli(["datasets", "synthetic", "--out", root, "--count", "3", "--size", "32"]);
  assert.equal(written.status, 0, written.stderr);
  writeFileSync(path.join(root, "train", "broken.png"), "not a png");
  await writeRgb(path.join(root, "train", "odd.png"), 33, 16, () => [0, 0, 0]);
  const dirty = runCli(["datasets", "check", root, "--format", "json"]);
  assert.equal(dirty.status, 2);
  const report = JSON.parse(dirty.stdout);
  assert.deepEqual(report.phases[0].sizes, { "32x32": 3 }, "the three synthetic pairs are good");
  assert.deepEqual(
    report.phases[0].problems.map((p: { path: string }) => path.basename(p.path)),
    ["broken.png", "odd.png"],
  );
  assert.match(dirty.stderr, /^pix2pix: error: 2 problem\(s\) in /);
  assert.doesNotMatch(dirty.stderr, /\n\s+at /, "no stack trace");
});

test("datasets download from an unreachable server is a one-line error", () => {
  const offline = runCli([
    "datasets",
    "download",
    "facades",
    "--dir",
    tempDir(),
    "--url",
    "http://127.0.0.1:1/none",
  ]);
  assert.equal(offline.status, 2);
  assert.match(
    offline.stderr,
    /^pix2pix: error: cannot download http:\/\/127\.0\.0\.1:1\/none\/facades\.tar\.gz/,
  );
  assert.doesNotMatch(offline.stderr, /\n\s+at /, "no stack trace");
});
