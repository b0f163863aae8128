/**
 * The studio's speed: ms per translation of one size × size image by unet_256 (ngf 64 unless --ngf) in
 * headless Chromium, for each tfjs backend that starts there (WebGPU, WebGL, wasm, and wasm with its
 * threaded build, served cross-origin isolated), beside the same generator in Node on the onednn
 * backend. Paper's test mode, as the studio's default. Prints JSON; the README's table comes from it.
 *   node --import tsx packages/studio/test/bench.ts [--reps 3] [--ngf 64] [--size 256]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { createGenerator, generatorConfig, Rng, saveNetwork, useBackend } from "pix2pix-ts/node";
import type { Browser } from "playwright-core";
import { launchChromium, serveStudio } from "./browser.ts";

const { values } = parseArgs({
  options: {
    reps: { type: "string", default: "3" },
    ngf: { type: "string", default: "64" },
    size: { type: "string", default: "256" },
  },
});
const reps = Number(values.reps);
const ngf = Number(values.ngf);
const size = Number(values.size);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (ms: number) => Math.round(ms * 10) / 10;
const log = (line: string) => console.error(`bench: ${line}`);

const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-studio-bench-"));
const modelFile = path.join(dir, "unet_256.safetensors");
const architecture = { netG: "unet_256", ngf, norm: "batch", noDropout: false } as const;

/** The generator in Node on onednn: ms per forward pass (and read back), after one warm-up. */
async function nodeTime() {
  const backend = await useBackend("onednn");
  const g = createGenerator(generatorConfig(architecture, 3, 3), Rng.fromSeed(1));
  await saveNetwork(modelFile, g);
  const x = tf.randomUniform([1, size, size, 3], -1, 1);
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const started = performance.now();
    const y = tf.tidy(() => g.apply(x as tf.Tensor4D, "test", Rng.fromSeed(0)));
    await y.data();
    y.dispose();
    if (i > 0) times.push(performance.now() - started);
  }
  x.dispose();
  g.dispose();
  return { backend, msMedian: round(median(times)), ms: times.map(round) };
}

/** One backend in the page: the studio's own per-translation time, after one warm-up translation. */
async function browserTime(browser: Browser, url: string, backend: string, threads: boolean) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  try {
    await page.goto(`${url}?backend=${backend}${threads ? "&wasm-threads=1" : ""}`);
    await page.waitForFunction(
      () =>
        document.querySelector("[data-testid=backend]")?.textContent !== "starting…" ||
        document.querySelector("[data-testid=status]")?.classList.contains("error"),
    );
    const started = (await page.getByTestId("backend").textContent()) === backend;
    if (!started) return { started: false, error: await page.getByTestId("status").textContent() };
    const note = await page.locator("#backend-note").textContent();
    const translations = async () =>
      Number((await page.getByTestId("output").getAttribute("data-translations")) ?? 0);
    const finished = (count: number) =>
      page.waitForFunction(
        (n) =>
          Number(document.querySelector("[data-testid=output]")?.getAttribute("data-translations") ?? 0) >
            n && document.querySelector("[data-testid=status]")?.textContent === "ready",
        count,
        { timeout: 600_000, polling: 100 },
      );
    let count = await translations();
    await page.getByTestId("model-file").setInputFiles(modelFile); // loads, then translates (warm-up)
    await finished(count);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      count = await translations();
      await page.getByTestId("translate").click();
      await finished(count);
      times.push(Number(await page.locator("#time").getAttribute("data-ms")));
    }
    return { started: true, note, msMedian: round(median(times)), ms: times.map(round), errors };
  } catch (error) {
    return { started: true, error: String(error).split("\n")[0], errors };
  } finally {
    await page.close();
  }
}

const node = await nodeTime();
log(`node ${node.backend}: ${node.msMedian} ms`);
// cross-origin isolation: what the threaded wasm build needs (SharedArrayBuffer)
const { server, url } = await serveStudio({
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
});
const browser = await launchChromium(["--enable-unsafe-webgpu"]);
const runs: Record<string, unknown> = {};
for (const [name, backend, threads] of <const>[
  ["webgpu", "webgpu", false],
  ["webgl", "webgl", false],
  ["wasm", "wasm", false],
  ["wasm-threads", "wasm", true],
]) {
  runs[name] = await browserTime(browser, url, backend, threads);
  log(`${name}: ${JSON.stringify(runs[name])}`);
}
const result = {
  model: `unet_256 ngf ${ngf}`,
  size,
  mode: "test",
  chromium: browser.version(),
  node,
  browser: runs,
};
await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result, null, 2));
