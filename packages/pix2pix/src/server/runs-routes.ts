/**
 * Training runs under --checkpoints-dir, as `pix2pix train` writes them (possibly right now, in another
 * process): GET /api/runs lists them with their position and last losses, GET /api/runs/NAME/report is
 * the run's HTML report, and GET /api/runs/NAME/events streams Server-Sent Events: `log` for every line
 * of loss_log.jsonl (those already written first), `report` when the report (loss curves and sample
 * images) is rewritten, `sample` for each of the report's sample images that is new (its URL under
 * GET /api/runs/NAME/samples/ROW/KIND.png), `checkpoint` when a new latest generator is saved, and
 * `reset` when the log starts over. The files are polled: it works across processes and file systems,
 * and costs a stat.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { runFiles, trainOptionsFile } from "../io/run-files.ts";
import { readRunLog } from "../train/run-log.ts";
import { HttpError } from "./http-error.ts";
import { reportSamples, SAMPLE_KINDS, type Sample } from "./run-samples.ts";

/** The open event streams, so that a shutdown can end them. */
export type RunWatchers = Set<AbortController>;

const POLL_MS = 250;
const NAME = /^[\w][\w.-]*$/;

const runFile = {
  log: (dir: string) => path.join(dir, "loss_log.jsonl"),
  report: (dir: string) => path.join(dir, "report.html"),
};

async function isRun(dir: string): Promise<boolean> {
  for (const file of [runFile.log(dir), trainOptionsFile(dir)]) {
    if ((await stat(file).catch(() => undefined))?.isFile()) return true;
  }
  return false;
}

async function runDir(checkpointsDir: string, name: string): Promise<string> {
  const dir = path.join(checkpointsDir, name);
  if (!NAME.test(name) || name.includes("..") || !(await isRun(dir))) {
    throw new HttpError(404, `no run named '${name}'`, "GET /api/runs lists the runs");
  }
  return dir;
}

async function runSummary(checkpointsDir: string, name: string) {
  const dir = path.join(checkpointsDir, name);
  const last = (await readRunLog(runFile.log(dir))).at(-1);
  const updated = await stat(runFile.log(dir)).catch(() => undefined);
  return {
    name,
    epoch: last?.epoch ?? 0,
    iteration: last?.iteration ?? 0,
    lr: last?.lr ?? null,
    losses: last?.losses ?? {},
    seconds: last?.seconds ?? 0,
    updated: updated ? updated.mtime.toISOString() : null,
    hasGenerator: (await stat(runFiles(dir, "latest").g).catch(() => undefined)) !== undefined,
  };
}

const modified = async (file: string) => (await stat(file).catch(() => undefined))?.mtimeMs;

/** Sends what changed in the run's files since the last call; returns the new state. */
async function sendChanges(stream: SSEStreamingApi, dir: string, name: string, seen: WatchState) {
  const text = await readFile(runFile.log(dir), "utf8").catch(() => "");
  const lines = text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .slice(0, -1);
  if (lines.length < seen.lines) {
    await stream.writeSSE({ event: "reset", data: JSON.stringify({ lines: lines.length }) });
    seen.lines = 0;
  }
  for (; seen.lines < lines.length; seen.lines++) {
    await stream.writeSSE({ event: "log", id: String(seen.lines), data: lines[seen.lines] as string });
  }
  const report = await modified(runFile.report(dir));
  if (report !== undefined && report !== seen.report) {
    seen.report = report;
    const updated = new Date(report).toISOString();
    await stream.writeSSE({
      event: "report",
      data: JSON.stringify({ url: `/api/runs/${name}/report`, updated }),
    });
    for (const sample of await samplesOf(dir)) {
      const key = `${sample.row}/${sample.kind}`;
      if (seen.samples.get(key) === sample.digest) continue;
      seen.samples.set(key, sample.digest);
      const { row, kind, digest } = sample;
      const url = `/api/runs/${name}/samples/${row}/${kind}.png?v=${digest}`;
      const data = { row, name: sample.name, kind, url, updated };
      await stream.writeSSE({ event: "sample", data: JSON.stringify(data) });
    }
  }
  const checkpoint = await modified(runFiles(dir, "latest").g);
  if (checkpoint !== undefined && checkpoint !== seen.checkpoint) {
    seen.checkpoint = checkpoint;
    await stream.writeSSE({
      event: "checkpoint",
      data: JSON.stringify({ model: name, updated: new Date(checkpoint).toISOString() }),
    });
  }
}

interface WatchState {
  lines: number;
  report: number | undefined;
  checkpoint: number | undefined;
  /** The digest of each sample image sent, by row and kind. */
  readonly samples: Map<string, string>;
}

/** The report's sample images; none while the report is missing (or being replaced). */
async function samplesOf(dir: string): Promise<Sample[]> {
  return reportSamples(await readFile(runFile.report(dir), "utf8").catch(() => ""));
}

/** `KIND.png`'s kind, or a 404. */
function sampleKind(file: string): Sample["kind"] {
  const kind = SAMPLE_KINDS.find((k) => file === `${k}.png`);
  if (!kind)
    throw new HttpError(
      404,
      `no sample image '${file}'`,
      `one of ${SAMPLE_KINDS.map((k) => `${k}.png`).join(", ")}`,
    );
  return kind;
}

export function runsRoutes(checkpointsDir: string, watchers: RunWatchers): Hono {
  const routes = new Hono();
  routes.get("/", async (c) => {
    const entries = await readdir(checkpointsDir, { withFileTypes: true }).catch(() => []);
    const names = [];
    for (const e of entries) {
      if (e.isDirectory() && NAME.test(e.name) && (await isRun(path.join(checkpointsDir, e.name)))) {
        names.push(e.name);
      }
    }
    return c.json(await Promise.all(names.sort().map((name) => runSummary(checkpointsDir, name))));
  });
  routes.get("/:name/report", async (c) => {
    const dir = await runDir(checkpointsDir, c.req.param("name"));
    const page = await readFile(runFile.report(dir), "utf8").catch(() => {
      throw new HttpError(404, "the run has no report yet", "train writes it at --display-freq");
    });
    return c.html(page);
  });
  routes.get("/:name/samples/:row/:file", async (c) => {
    const dir = await runDir(checkpointsDir, c.req.param("name"));
    const kind = sampleKind(c.req.param("file"));
    const row = Number(c.req.param("row"));
    const sample = (await samplesOf(dir)).find((s) => s.row === row && s.kind === kind);
    if (!sample) {
      throw new HttpError(
        404,
        `the run's report has no ${kind} image in row ${c.req.param("row")}`,
        "its events list the samples",
      );
    }
    return c.body(new Uint8Array(sample.png), 200, {
      "Content-Type": "image/png",
      "Cache-Control": "no-cache",
      ETag: `"${sample.digest}"`,
    });
  });
  routes.get("/:name/events", async (c) => {
    const name = c.req.param("name");
    const dir = await runDir(checkpointsDir, name);
    return streamSSE(c, async (stream) => {
      const controller = new AbortController();
      watchers.add(controller);
      stream.onAbort(() => controller.abort());
      const seen: WatchState = { lines: 0, report: undefined, checkpoint: undefined, samples: new Map() };
      try {
        while (!controller.signal.aborted) {
          await sendChanges(stream, dir, name, seen);
          await stream.sleep(POLL_MS);
        }
      } finally {
        watchers.delete(controller);
      }
    });
  });
  return routes;
}
