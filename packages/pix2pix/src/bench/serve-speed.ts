/**
 * The speed of `pix2pix serve` under load: a server in its own process with a U-Net-256 generator
 * (random weights), driven by autocannon with one 256×256 JPEG at several concurrencies. Reports each
 * level's requests/s, p50/p99 latency and answers by status, and the server's resident memory after
 * the warm-up and at the end, with the checks: batching helps (concurrency 8 beats 1), no 5xx
 * other than 503/504, memory flat (within 10% from the warm-up to the end).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BackendChoice, useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { encodeImage } from "../io/images.ts";
import { saveNetwork } from "../io/network-file.ts";
import { createGenerator, generatorConfig } from "../models/index.ts";
import { Rng } from "../random.ts";

export interface ServeBenchOptions {
  /** The `pix2pix` CLI script to start the server with (the running one: process.argv[1]). */
  readonly cli: string;
  readonly concurrency: readonly number[];
  /** Requests per concurrency level. */
  readonly requests: number;
  /**
   * Requests before the levels, shared among them at their concurrencies: the model's load and the
   * server's batch shapes (1 and --max-batch) are met before the first RSS reading.
   */
  readonly warmup: number;
  readonly ngf: number;
  readonly maxBatch: number;
  readonly eval: boolean;
  readonly backend: BackendChoice;
  readonly seed: number;
}

export interface LevelResult {
  readonly concurrency: number;
  readonly requests: number;
  readonly requests_per_s: number;
  readonly latency_ms: { readonly p50: number; readonly p99: number; readonly mean: number };
  /** Answers by HTTP status, plus `errors` (connection errors) and `timeouts`. */
  readonly by_status: Readonly<Record<string, number>>;
}

export interface ServeBenchReport {
  readonly model: { readonly netG: "unet_256"; readonly ngf: number; readonly size: 256 };
  readonly mode: "test" | "eval";
  readonly backend: string;
  readonly max_batch: number;
  readonly levels: readonly LevelResult[];
  readonly server_rss_mb: { readonly before: number; readonly after_warmup: number; readonly after: number };
  readonly total_requests: number;
  readonly checks: {
    readonly batching_helps: boolean;
    readonly no_5xx_but_503_504: boolean;
    /** Every request got an HTTP answer (no reset connection, no client timeout). */
    readonly no_connection_errors: boolean;
    readonly rss_within_10_percent: boolean;
  };
}

interface AutocannonResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodeStats: Readonly<Record<string, { count: number }>>;
  readonly latency: { readonly p50: number; readonly p99: number; readonly mean: number };
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

function loadAutocannon(): Autocannon {
  try {
    return createRequire(import.meta.url)("autocannon") as Autocannon;
  } catch {
    throw new UserError("serve-bench needs autocannon", "npm install --no-save autocannon@9.0.0");
  }
}

/** A 256×256 JPEG with structure (gradients and bands), as a photo-like request body. */
function requestImage(): Promise<Buffer> {
  const size = 256;
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      data[i] = x / 127.5 - 1;
      data[i + 1] = Math.sin(y / 9 + (x >> 4)) * 0.8;
      data[i + 2] = (((x ^ y) & 63) / 63) * 2 - 1;
    }
  }
  return encodeImage({ data, height: size, width: size, channels: 3 }, "jpeg");
}

async function writeModel(file: string, ngf: number, seed: number): Promise<void> {
  await useBackend("cpu"); // only draws the weights; the server runs them on its own backend
  const config = generatorConfig({ netG: "unet_256", ngf, norm: "batch", noDropout: false }, 3, 3);
  const g = createGenerator(config, Rng.fromSeed(seed));
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    await saveNetwork(file, g);
  } finally {
    g.dispose();
  }
}

function rssMb(pid: number): number {
  const kib = Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim());
  return Math.round((kib / 1024) * 10) / 10;
}

function startServer(o: ServeBenchOptions, dir: string): Promise<{ child: ChildProcess; url: string }> {
  const args = [
    ...[o.cli, "serve", "--models", path.join(dir, "models"), "--checkpoints-dir", path.join(dir, "runs")],
    ...["--port", "0", "--backend", o.backend, "--max-batch", String(o.maxBatch), "--seed", String(o.seed)],
    ...["--max-queue", String(Math.max(64, ...o.concurrency)), "--timeout", "600"],
  ];
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const heard = (data: Buffer) => {
      output += data;
      const url = /pix2pix serve: (http:\S+)/.exec(output)?.[1];
      if (url) resolve({ child, url });
    };
    child.stdout?.on("data", heard);
    child.stderr?.on("data", heard);
    child.once("exit", (code) =>
      reject(new Error(`the server exited (${code}) before listening:\n${output}`)),
    );
  });
}

function level(concurrency: number, requests: number, r: AutocannonResult): LevelResult {
  const byStatus: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(r.statusCodeStats)) byStatus[status] = count;
  if (r.errors - r.timeouts > 0) byStatus.errors = r.errors - r.timeouts;
  if (r.timeouts > 0) byStatus.timeouts = r.timeouts;
  const ok = byStatus["200"] ?? 0;
  return {
    concurrency,
    requests,
    requests_per_s: Math.round((ok / r.duration) * 100) / 100,
    latency_ms: { p50: r.latency.p50, p99: r.latency.p99, mean: Math.round(r.latency.mean * 10) / 10 },
    by_status: byStatus,
  };
}

export async function benchServe(
  o: ServeBenchOptions,
  say: (line: string) => void,
): Promise<ServeBenchReport> {
  const autocannon = loadAutocannon();
  const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-serve-bench-"));
  try {
    await writeModel(path.join(dir, "models", "bench.safetensors"), o.ngf, o.seed);
    const body = await requestImage();
    const { child, url } = await startServer(o, dir);
    try {
      const health = (await (await fetch(`${url}/api/health`)).json()) as { backend: string };
      const pid = child.pid as number;
      const before = rssMb(pid);
      const query = `model=bench${o.eval ? "&eval=1" : ""}`;
      const drive = (connections: number, amount: number) =>
        autocannon({
          url: `${url}/api/translate?${query}`,
          method: "POST",
          headers: { "content-type": "image/jpeg" },
          body,
          connections: Math.min(connections, amount), // autocannon needs a request per connection
          amount,
          timeout: 600,
        });
      say(`warm-up: ${o.warmup} requests`);
      for (const [i, c] of o.concurrency.entries()) {
        const share =
          Math.floor((o.warmup * (i + 1)) / o.concurrency.length) -
          Math.floor((o.warmup * i) / o.concurrency.length);
        if (share > 0) await drive(c, share);
      }
      const afterWarmup = rssMb(pid);
      const levels: LevelResult[] = [];
      for (const c of o.concurrency) {
        say(`concurrency ${c}: ${o.requests} requests`);
        levels.push(level(c, o.requests, await drive(c, o.requests)));
      }
      const after = rssMb(pid);
      const rate = (c: number) => levels.find((l) => l.concurrency === c)?.requests_per_s;
      const [one, eight] = [rate(1), rate(8)];
      return {
        model: { netG: "unet_256", ngf: o.ngf, size: 256 },
        mode: o.eval ? "eval" : "test",
        backend: health.backend,
        max_batch: o.maxBatch,
        levels,
        server_rss_mb: { before, after_warmup: afterWarmup, after },
        total_requests: o.warmup + o.requests * o.concurrency.length,
        checks: {
          batching_helps: one !== undefined && eight !== undefined && eight > one,
          no_5xx_but_503_504: levels.every((l) =>
            Object.keys(l.by_status).every((s) => !/^5\d\d$/.test(s) || s === "503" || s === "504"),
          ),
          no_connection_errors: levels.every((l) => !l.by_status.errors && !l.by_status.timeouts),
          rss_within_10_percent: Math.abs(after - afterWarmup) <= 0.1 * afterWarmup,
        },
      };
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(null)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
