import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../../../test/cli-helpers.ts";

test("a 10-second demo trains, tests on held-out synthetic pairs and says where the report and results are", () => {
  const root = mkdtempSync(path.join(tmpdir(), "pix2pix-demo-"));
  const checkpoints = path.join(root, "checkpoints");
  const results = path.join(root, "results");
  const { status, stdout, stderr } = runCli(
    ["demo", "--minutes", "0.17", "--checkpoints-dir", checkpoints, "--results-dir", results],
    { timeoutMs: 240_000 },
  );
  assert.equal(status, 0, stderr);
  assert.match(stdout, /^backend: \w+$/m);
  assert.match(stdout, /^trained \d+ steps$/m);
  assert.match(stdout, /held-out synthetic pairs: L1 \d\.\d{3}, PSNR \d+\.\d\d dB, SSIM -?\d\.\d{3}/);
  const report = /^training report: (.+)$/m.exec(stdout)?.[1] ?? "";
  const page = /^test results: +(.+)$/m.exec(stdout)?.[1] ?? "";
  assert.equal(report, path.join(checkpoints, "demo", "report.html"));
  assert.equal(page, path.join(results, "demo", "test_latest", "index.html"));
  assert.match(readFileSync(report, "utf8"), /<svg/);
  assert.ok(existsSync(path.join(results, "demo", "test_latest", "metrics.json")));
  assert.ok(existsSync(path.join(checkpoints, "demo", "latest_net_G.safetensors")));
});
