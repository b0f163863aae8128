import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { benchServe } from "./serve-speed.ts";

const cli = path.resolve(import.meta.dirname, "../../test/pix2pix-source.js");

test("serve-bench drives a real server at each concurrency and reports rates, latencies, statuses and memory", async () => {
  const lines: string[] = [];
  const report = await benchServe(
    {
      cli,
      concurrency: [1, 4],
      requests: 8,
      warmup: 2,
      ngf: 2,
      maxBatch: 4,
      eval: false,
      backend: "cpu",
      seed: 0,
    },
    (line) => lines.push(line),
  );
  assert.deepEqual(lines, ["warm-up: 2 requests", "concurrency 1: 8 requests", "concurrency 4: 8 requests"]);
  assert.equal(report.backend, "cpu");
  assert.deepEqual(report.model, { netG: "unet_256", ngf: 2, size: 256 });
  assert.equal(report.total_requests, 18);
  assert.deepEqual(
    report.levels.map((l) => [l.concurrency, l.by_status]),
    [
      [1, { 200: 8 }],
      [4, { 200: 8 }],
    ],
    "every request answered 200",
  );
  for (const l of report.levels) {
    assert.ok(l.requests_per_s > 0);
    assert.ok(l.latency_ms.p99 >= l.latency_ms.p50 && l.latency_ms.p50 > 0);
  }
  assert.ok(report.server_rss_mb.after > 50, "the server's memory, not the bench's");
  assert.equal(report.checks.no_5xx_but_503_504, true);
  assert.equal(report.checks.no_connection_errors, true);
});
