/**
 * The studio's Train view in real Chromium (Debian's). On wasm (what headless Chromium picks; some 40
 * times faster than cpu for training here), a 64-pixel ResNet with ngf 8 trains 30 steps on 8 aligned
 * pair files in a Web Worker while the page stays responsive; a pause saves and resume goes on; a
 * reload mid-run resumes from the run kept in IndexedDB; the losses fall and equal, step by step, those of pix2pix-ts's trainOnPairs in Node
 * on the same files and backend; the downloaded .safetensors loads in Node with no flags, and the
 * studio's translation with it equals `pix2pix translate`'s. On the cpu backend (in a browser context
 * of its own, so an IndexedDB of its own), a few steps give Node's cpu losses; a drawing adds a pair.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { readImage, trainOnPairs, translateImage, useBackend, writeImage } from "pix2pix-ts/node";
import { registerWasmTrainingKernels } from "pix2pix-ts/wasm";
import type { Browser, Page } from "playwright-core";
import type { PreviewServer } from "vite";
import { readAlignedPairs, writeAlignedPairs } from "../../pix2pix/src/train/aligned-pairs.ts";
import { studioTrainOptions, type TrainForm } from "../src/train-options.ts";
import { launchChromium, openStudio, serveStudio } from "./browser.ts";

const SIZE = 64;
const STEPS = 30;
const PAIRS = 8;
const form: TrainForm = {
  netG: "resnet_6blocks",
  size: SIZE,
  ngf: 8,
  steps: STEPS,
  lr: 0.0002,
  pairCount: PAIRS,
};

let dir: string;
let files: string[];
let server: PreviewServer;
let url: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const testid = (id: string) => page.getByTestId(id);
const numberOf = async (id: string) => Number(await testid(id).textContent());

/** Starts counting, in the page, long tasks and the longest gap between animation frames. */
async function watchFrames(): Promise<void> {
  // a string, not a function: tsx's names for functions (__name) do not exist in the page
  await page.evaluate(`(() => {
    const f = (window.frames_ = { longTasks: [], worstGap: 0, last: performance.now() });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) f.longTasks.push(entry.duration);
    }).observe({ type: "longtask" });
    const frame = (now) => {
      f.worstGap = Math.max(f.worstGap, now - f.last);
      f.last = now;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  })()`);
}

async function frames(): Promise<{ longTasks: number[]; worstGap: number }> {
  return page.evaluate(
    () => (window as unknown as { frames_: { longTasks: number[]; worstGap: number } }).frames_,
  );
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "pix2pix-studio-train-"));
  files = await writeAlignedPairs(path.join(dir, "pairs"), PAIRS, SIZE);
  ({ server, url } = await serveStudio());
  browser = await launchChromium();
  page = await openStudio(browser, url, "wasm", pageErrors);
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Fills the Train view's form and its pairs. */
async function setUp(on: Page, f: TrainForm, pairFiles: readonly string[]): Promise<void> {
  await on.getByTestId("train-netg").selectOption(f.netG);
  await on.getByTestId("train-size").fill(String(f.size));
  await on.getByTestId("train-ngf").fill(String(f.ngf));
  await on.getByTestId("train-steps").fill(String(f.steps));
  await on.getByTestId("train-files").setInputFiles([...pairFiles]);
  await on.waitForFunction(
    (n) => document.getElementById("train-pairs-info")?.dataset.pairs === String(n),
    pairFiles.length,
  );
}

/** Waits for the run to finish at `steps`; its G_L1 curve, one value per step. */
async function finished(on: Page, steps: number): Promise<number[]> {
  await on.waitForFunction(
    (n) => document.querySelector("[data-testid=train-status]")?.textContent === `finished at step ${n}`,
    steps,
    { timeout: 300_000 },
  );
  return ((await on.locator("#train-chart").getAttribute("data-l1")) ?? "").split(" ").map(Number);
}

/** The same run in Node: trainOnPairs on the same files (decoded by sharp), on tfjs's current backend. */
async function nodeL1(f: TrainForm, pairFiles: readonly string[]): Promise<number[]> {
  const l1: number[] = [];
  await trainOnPairs(
    { pairs: await readAlignedPairs(pairFiles), options: studioTrainOptions(f) },
    { stopAtIteration: f.steps, onLog: (r) => void l1.push(r.losses.G_L1 as number) },
  );
  return l1;
}

function worstRelative(actual: number[], expected: number[]): number {
  assert.equal(actual.length, expected.length);
  return Math.max(...actual.map((v, i) => Math.abs(v - (expected[i] as number)) / Math.max(1, Math.abs(v))));
}

test("on wasm: 30 steps in a worker, a reload resumes mid-run, the loss falls, and it is Node's", async () => {
  await setUp(page, form, files);
  await watchFrames();
  await testid("train-start").click();

  // a pause saves where it stops; resume goes on
  await page.waitForFunction(
    () => Number(document.querySelector("[data-testid=train-step]")?.textContent) >= 3,
  );
  await testid("train-pause").click();
  await page.waitForFunction(
    () => document.querySelector("[data-testid=train-status]")?.textContent === "paused",
  );
  const pausedAt = await numberOf("train-step");
  assert.equal(Number(await testid("train-step").getAttribute("data-saved")), pausedAt, "saved at the pause");
  await testid("train-pause").click();

  // a save after the pause (every 10 steps), then a reload while the run goes on
  await page.waitForFunction(
    (paused) =>
      Number(document.querySelector("[data-testid=train-step]")?.getAttribute("data-saved") ?? 0) >=
      Math.max(10, paused + 1),
    pausedAt,
  );
  const stepBefore = await numberOf("train-step");
  const { longTasks, worstGap } = await frames();
  console.log(
    `while training: ${longTasks.length} long tasks (longest ${Math.max(0, ...longTasks).toFixed(0)} ms), longest frame gap ${worstGap.toFixed(0)} ms`,
  );
  assert.ok(
    longTasks.every((ms) => ms <= 100),
    `page tasks over 100 ms while training: ${longTasks.join(", ")}`,
  );
  await page.reload();
  await page.waitForFunction(() =>
    /from step \d+/.test(document.querySelector("[data-testid=train-status]")?.textContent ?? ""),
  );
  const resumedAt = Number(/from step (\d+)/.exec((await testid("train-status").textContent()) ?? "")?.[1]);
  assert.ok(
    resumedAt >= 10 && resumedAt > pausedAt && resumedAt < STEPS,
    `resumed at step ${resumedAt} (${stepBefore} when reloaded)`,
  );

  const l1 = await finished(page, STEPS);
  assert.equal(await numberOf("train-step"), STEPS);
  assert.equal(l1.length, STEPS, "one logged G_L1 per step");
  assert.equal(await numberOf("train-loss"), l1.at(-1));
  const samples = await page
    .locator("#train-samples")
    .evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
  assert.deepEqual(samples, [3 * SIZE, 4 * SIZE], "the sample grid: input | output | target of 4 pairs");
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(
    mean(l1.slice(-5)) < 0.8 * mean(l1.slice(0, 5)),
    `G_L1 falls: ${l1.map((v) => v.toFixed(1)).join(" ")}`,
  );

  registerWasmTrainingKernels();
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false); // as the studio runs it
  assert.ok(await tf.setBackend("wasm"));
  const worst = worstRelative(l1, await nodeL1(form, files));
  assert.ok(worst <= 1e-5, `the browser's G_L1 differs from Node's (wasm) by up to ${worst} (relative)`);
});

test("the downloaded .safetensors translates in Node with no flags as the studio translates with it", async () => {
  const [download] = await Promise.all([page.waitForEvent("download"), testid("train-download").click()]);
  const model = path.join(dir, "trained.safetensors");
  await download.saveAs(model);
  assert.equal(download.suggestedFilename(), `studio-step${STEPS}.safetensors`);

  const pair = (await readAlignedPairs([files[0] as string]))[0];
  assert.ok(pair);
  const input = path.join(dir, "input.png");
  await writeImage(input, {
    data: Float32Array.from(pair.a.data, (v) => v / 127.5 - 1),
    width: SIZE,
    height: SIZE,
    channels: 3,
  });
  const output = path.join(dir, "node.png");
  await translateImage(input, { model, output, loadSize: SIZE, backend: "cpu" });
  const expected = [...(await readImage(output, 3)).data].map((v) => Math.round((v + 1) * 127.5));

  await testid("train-use").click();
  await page.waitForFunction(() =>
    document.getElementById("model-info")?.textContent?.includes("studio-step"),
  );
  await testid("size").fill(String(SIZE));
  await testid("size").dispatchEvent("change");
  const count = Number((await testid("output").getAttribute("data-translations")) ?? 0);
  await testid("input-file").setInputFiles(input);
  await page.waitForFunction(
    (n) =>
      Number(document.querySelector("[data-testid=output]")?.getAttribute("data-translations") ?? 0) > n &&
      document.querySelector("[data-testid=status]")?.textContent === "ready",
    count,
  );
  const actual = await page.evaluate(() => {
    const canvas = document.querySelector("[data-testid=output]") as HTMLCanvasElement;
    const rgba = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    return [...rgba].filter((_, i) => i % 4 !== 3);
  });
  assert.equal(actual.length, expected.length);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - (expected[i] as number))));
  assert.ok(worst <= 1, `the studio's output differs from pix2pix translate's by up to ${worst} levels`);
  assert.ok(readFileSync(model).length > 1000);
});

test("on cpu: the browser's losses are Node's cpu losses", async () => {
  const small: TrainForm = { ...form, size: 32, ngf: 4, steps: 2, pairCount: 2 };
  const context = await browser.newContext(); // an IndexedDB of its own: a run of its own
  try {
    const other = await openStudio(context, url, "cpu", pageErrors);
    await setUp(other, small, files.slice(0, small.pairCount));
    await other.getByTestId("train-start").click();
    const l1 = await finished(other, small.steps);
    // a drawn pair: the input canvas as A, then as B
    await other.locator("#train-draw-a").click();
    await other.locator("#train-draw-b").click();
    assert.equal(
      await other.locator("#train-pairs-info").getAttribute("data-pairs"),
      String(small.pairCount + 1),
    );
    await useBackend("cpu");
    const worst = worstRelative(l1, await nodeL1(small, files.slice(0, small.pairCount)));
    assert.ok(worst <= 1e-5, `the browser's G_L1 differs from Node's (cpu) by up to ${worst} (relative)`);
  } finally {
    await context.close();
  }
});

test("the page logged no errors", () => {
  assert.deepEqual(pageErrors, []);
});
