import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { tempDir } from "../../test/image-files.ts";
import { imageSize } from "../io/images.ts";
import { type RunningServer, startServer } from "./server.ts";

const root = tempDir("pix2pix-serve-runs-");
const bin = path.resolve(import.meta.dirname, "../../test/pix2pix-source.js");

interface SseEvent {
  readonly event: string;
  readonly data: string;
  /** Whether the training process was still running when the event arrived. */
  readonly whileTraining: boolean;
}

/** Reads Server-Sent Events from `url` until `until` says stop; returns them in order. */
async function readEvents(url: string, training: () => boolean, until: (events: SseEvent[]) => boolean) {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    let end = text.indexOf("\n\n");
    while (end >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const field = (name: string) =>
        block
          .split("\n")
          .filter((line) => line.startsWith(`${name}: `))
          .map((line) => line.slice(name.length + 2))
          .join("\n");
      events.push({ event: field("event"), data: field("data"), whileTraining: training() });
      end = text.indexOf("\n\n");
    }
    if (until(events)) break;
  }
  controller.abort();
  return events;
}

async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface SampleEvent {
  readonly row: number;
  readonly name: string;
  readonly kind: string;
  readonly url: string;
}

/**
 * Sample images arrive as their own events while the run trains, each new image once; a client that
 * connects later gets the current ones; each URL answers the PNG, and no URL reaches another file.
 */
async function checkSamples(url: string, live: SseEvent[], later: SseEvent[]) {
  const samples = (events: SseEvent[]) =>
    events.filter((e) => e.event === "sample").map((e) => JSON.parse(e.data) as SampleEvent);
  assert.ok(
    live.some((e) => e.event === "sample" && e.whileTraining),
    "sample images arrive while the run trains",
  );
  const current = samples(later);
  const rows = new Set(current.map((s) => s.row));
  assert.ok(rows.size > 0);
  assert.deepEqual(
    current.map((s) => `${s.row}/${s.kind}`),
    [...rows].flatMap((row) => ["input", "output", "target"].map((kind) => `${row}/${kind}`)),
    "one event per image of the report's grid",
  );
  const urls = samples(live).map((s) => s.url);
  assert.equal(new Set(urls).size, urls.length, "an image is announced once");
  for (const sample of current) {
    const res = await fetch(`${url}${sample.url}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    const png = Buffer.from(await res.arrayBuffer());
    assert.deepEqual(await imageSize(png), { width: 32, height: 32 });
    assert.equal(`"${new URL(sample.url, url).searchParams.get("v")}"`, res.headers.get("etag"));
  }
  const refused = [
    "0/..%2F..%2Floss_log.jsonl",
    "0/..%2Freport.html",
    "99/input.png",
    "0/input.jpg",
    "x/input.png",
  ];
  for (const path of refused) {
    const res = await fetch(`${url}/api/runs/live/samples/${path}`);
    assert.equal(res.status, 404, path);
    assert.ok("error" in (await res.json()));
  }
}

describe("runs over HTTP while pix2pix train runs in another process", () => {
  let server: RunningServer;
  after(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("GET /api/runs lists the run; its events stream every log line, the report, its sample images and the checkpoint", async () => {
    server = await startServer({ checkpointsDir: root, port: 0, backend: "cpu" }, () => {});
    assert.deepEqual(await (await fetch(`${server.url}/api/runs`)).json(), []);
    const args = [
      ...["train", "--dataset-mode", "synthetic", "--synthetic-count", "3", "--load-size", "32"],
      ...["--crop-size", "32", "--netG", "resnet_6blocks", "--ngf", "4", "--ndf", "4", "--n-epochs", "1"],
      ...["--n-epochs-decay", "1", "--num-threads", "0", "--print-freq", "1", "--backend", "cpu"],
      ...["--checkpoints-dir", root, "--name", "live"],
    ];
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    let running = true;
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => {
        running = false;
        resolve(code);
      }),
    );
    try {
      await waitFor(async () => {
        const runs = await (await fetch(`${server.url}/api/runs`)).json();
        return runs.length > 0 ? runs : undefined;
      });
      const live = await readEvents(
        `${server.url}/api/runs/live/events`,
        () => running,
        (seen) => seen.filter((e) => e.event === "log").length >= 6 && seen.some((e) => e.event === "sample"),
      );
      assert.equal(await exited, 0, stderr);
      const lines = readFileSync(path.join(root, "live", "loss_log.jsonl"), "utf8")
        .trim()
        .split("\n");
      assert.equal(lines.length, 6, "3 pairs × 2 epochs, printed every step");
      const logged = (events: SseEvent[]) => events.filter((e) => e.event === "log").map((e) => e.data);
      assert.deepEqual(logged(live), lines, "every line of loss_log.jsonl, in order");
      assert.ok(
        live.some((e) => e.event === "log" && e.whileTraining),
        "lines arrive while the run trains",
      );
      // a client that connects later gets the whole log, then the latest report and checkpoint
      const later = await readEvents(
        `${server.url}/api/runs/live/events`,
        () => running,
        (seen) => seen.some((e) => e.event === "report") && seen.some((e) => e.event === "checkpoint"),
      );
      assert.deepEqual(logged(later), lines);
      const report = later.find((e) => e.event === "report") as SseEvent;
      const page = await fetch(`${server.url}${JSON.parse(report.data).url}`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<img src="data:image\/png;base64,/, "the report shows sample images");
      assert.equal(JSON.parse((later.find((e) => e.event === "checkpoint") as SseEvent).data).model, "live");
      await checkSamples(server.url, live, later);
    } finally {
      child.kill();
    }
    const [run] = await (await fetch(`${server.url}/api/runs`)).json();
    assert.equal(run.name, "live");
    assert.equal(run.epoch, 2);
    assert.equal(run.iteration, 6);
    assert.deepEqual(Object.keys(run.losses).sort(), ["D_fake", "D_real", "G_GAN", "G_L1"]);
    assert.equal(run.hasGenerator, true);
    assert.equal((await fetch(`${server.url}/api/runs/nope/events`)).status, 404);
    assert.equal((await fetch(`${server.url}/api/runs/..%2F..%2Fetc/events`)).status, 404);
  });
});
