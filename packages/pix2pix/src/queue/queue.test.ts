/**
 * The queue end to end, as users run it: a real Redis on a loopback port, `pix2pix queue add`, two
 * `pix2pix worker` processes (one killed with -9 in the middle of a job), `pix2pix queue status`, and the
 * outputs compared with single-process `pix2pix translate`, byte for byte.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { tempDir, writeRgb } from "../../test/image-files.ts";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { saveNetwork } from "../io/network-file.ts";
import { createGenerator } from "../models/index.ts";
import { Rng } from "../random.ts";
import { freePort, type LocalRedis, startLocalRedis } from "./local-redis.ts";
import { addTranslationJobs, openQueue, type TranslationQueue } from "./queue.ts";
import { displayUrl, redisConnection, redisUrl } from "./redis-connection.ts";
import { type QueueStatus, queueStatus, readQueueStatus } from "./status.ts";
import { runWorker, type WorkerEvent } from "./worker.ts";

const bin = path.resolve(import.meta.dirname, "../../test/pix2pix-source.js");
const root = tempDir("pix2pix-queue-");
const inputs = path.join(root, "in");
const model = path.join(root, "g.safetensors");
const corrupt = path.join(root, "bad", "corrupt.png");
const large = path.join(root, "large.png");
const retry = { attempts: 1, backoffMs: 0 };
// Tiled in 64-pixel tiles: long enough to be signalled in the middle of it.
const largeJob = { input: large, model, settings: { loadSize: 64 }, skipExisting: false } as const;
const IMAGES = 12;
const TRANSLATE = ["--model", model, "--load-size", "64"];

/** A `pix2pix` process whose output lines the test can wait for. */
interface CliProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

function startCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let partial = "";
  const onData = (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split("\n");
    partial = complete.pop() ?? "";
    for (const line of complete) {
      lines.push(line);
      for (const w of waiting.filter((w) => w.pattern.test(line))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join("\n")}`)),
          timeoutMs,
        );
        waiting.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe("pix2pix queue add / worker / queue status on a real Redis", () => {
  let redis: LocalRedis;
  let queue: TranslationQueue;
  const workers: CliProcess[] = [];

  before(async () => {
    redis = await startLocalRedis();
    queue = await openQueue(redisConnection(redis.url, "brief"), "pix2pix");
    await useBackend("cpu"); // only to build the model file; the workers and translate choose their own
    const g = createGenerator(
      {
        netG: "resnet_6blocks",
        ngf: 8,
        norm: "instance",
        dropout: true,
        initType: "normal",
        initGain: 0.02,
        inputNc: 3,
        outputNc: 3,
      },
      Rng.fromSeed(3),
    );
    await saveNetwork(model, g);
    g.dispose();
    for (let i = 0; i < IMAGES; i++) {
      const folder = i % 2 === 0 ? inputs : path.join(inputs, "sub");
      await writeRgb(path.join(folder, `img${i}.png`), 40 + i, 32 + i, (x, y) => [
        (x * 9 + i * 31) % 256,
        (y * 13 + x) % 256,
        (x * y + i * 7) % 256,
      ]);
    }
    await writeRgb(large, 192, 192, (x, y) => [(x * 5) % 256, (y * 3) % 256, (x ^ y) % 256]);
    mkdirSync(path.dirname(corrupt));
    writeFileSync(corrupt, "this is not a PNG file");
  });

  after(async () => {
    for (const worker of workers) worker.child.kill("SIGKILL");
    await queue?.close();
    await redis?.stop();
  });

  test("two workers, one killed with -9 mid-job: every output once, equal to translate; a corrupt image fails after its retries", async () => {
    const out = path.join(root, "out");
    const reference = startCli(["translate", ...TRANSLATE, "-o", path.join(root, "reference"), inputs]);
    // The doomed worker's short lock makes its job stall soon after it dies; the survivor looks for
    // stalled jobs every second and keeps the default lock (30 s), which a loaded machine cannot lose.
    const workerArgs = ["worker", "--redis", redis.url, "--stalled-interval", "1000"];
    // The doomed worker is waiting when the jobs come, so it surely takes one.
    const doomed = startCli([...workerArgs, "--lock-duration", "2000", "--worker-name", "doomed"]);
    workers.push(doomed);
    await doomed.waitForLine(/taking jobs/);
    const survivor = startCli([...workerArgs, "--worker-name", "survivor"]);
    workers.push(survivor);
    const add = [
      "queue",
      "add",
      "--redis",
      redis.url,
      ...TRANSLATE,
      "--attempts",
      "2",
      "--backoff-ms",
      "100",
    ];
    const added = startCli([...add, "-o", out, inputs, path.dirname(corrupt)]);
    assert.equal(await added.exited, 0, added.lines.join("\n"));
    assert.match(added.lines.join("\n"), new RegExp(`queued ${IMAGES + 1} images`));

    // The doomed worker dies holding a job: its lock runs out and the survivor takes the job over.
    const started = await doomed.waitForLine(/^start /);
    doomed.child.kill("SIGKILL");
    const killedJob = started.split(" ")[1] as string;
    await doomed.exited;

    let status: QueueStatus | undefined;
    await until("all jobs to finish", async () => {
      status = await queueStatus(queue);
      return status.done + status.failed === IMAGES + 1;
    });
    const recovered = await queue.getJob(killedJob);
    assert.ok(recovered, `job ${killedJob}`);
    assert.equal(await recovered.getState(), "completed");
    assert.ok(recovered.stalledCounter >= 1, "the killed worker's job was recovered as stalled");
    assert.equal(recovered.processedBy, "survivor");

    // What `queue status --json` prints, and the same as text.
    assert.deepEqual(
      { waiting: status?.waiting, active: status?.active, done: status?.done, failed: status?.failed },
      { waiting: 0, active: 0, done: IMAGES, failed: 1 },
    );
    const [failure] = status?.failedJobs ?? [];
    assert.equal(failure?.input, corrupt);
    assert.equal(failure?.attempts, 2);
    assert.match(failure?.reason ?? "", /corrupt\.png/);
    const text = startCli(["queue", "status", "--redis", redis.url]);
    assert.equal(await text.exited, 0, text.lines.join("\n"));
    assert.match(text.lines[0] ?? "", new RegExp(`0 waiting, 0 active, ${IMAGES} done, 1 failed`));
    assert.match(text.lines.join("\n"), /failed .*corrupt\.png +after 2 attempts: .*corrupt\.png/);

    // SIGTERM in the middle of a job (a large image, in tiles): the worker finishes it, then exits 0.
    const [{ id: last }] = await Promise.all([
      survivor.waitForLine(/^start \S+ .*large\.png/).then((line) => ({ id: line.split(" ")[1] })),
      addTranslationJobs(queue, [{ ...largeJob, output: path.join(root, "large-out.png") }], retry),
    ]);
    survivor.child.kill("SIGTERM");
    assert.equal(await survivor.exited, 0, survivor.lines.join("\n"));
    const signalled = survivor.lines.findIndex((line) => line.startsWith("SIGTERM"));
    const finished = survivor.lines.findIndex((line) => line.startsWith(`done ${last} `));
    assert.ok(
      signalled >= 0 && finished > signalled,
      `finished after the signal:\n${survivor.lines.join("\n")}`,
    );
    assert.match(survivor.lines.at(-1) ?? "", /^stopped: \d+ translated/);
    assert.equal(await (await queue.getJob(last ?? ""))?.getState(), "completed");

    assert.equal(await reference.exited, 0, reference.lines.join("\n"));
    const expected = filesUnder(path.join(root, "reference"));
    assert.equal(expected.length, IMAGES);
    assert.deepEqual(filesUnder(out), expected, "each output once, nothing else (no temporary files)");
    for (const file of expected) {
      const same = readFileSync(path.join(out, file)).equals(
        readFileSync(path.join(root, "reference", file)),
      );
      assert.ok(same, `${file} equals translate's`);
    }
  });

  test("an output whose job still waits is not queued twice", async () => {
    const other = await openQueue(redisConnection(redis.url, "brief"), "dedup");
    try {
      const job = (name: string) => ({
        input: `/in/${name}.png`,
        output: `/out/${name}.png`,
        model,
        settings: {},
        skipExisting: false,
      });
      assert.deepEqual(await addTranslationJobs(other, [job("a"), job("b")], retry), {
        queued: 2,
        pending: 0,
      });
      assert.deepEqual(await addTranslationJobs(other, [job("a"), job("c")], retry), {
        queued: 1,
        pending: 1,
      });
      assert.equal((await queueStatus(other)).waiting, 3);
    } finally {
      await other.obliterate({ force: true });
      await other.close();
    }
  });

  test("a job that holds the process past its lock is reported once as a lost lock, not as BullMQ's errors", async () => {
    const name = "lock";
    const own = await openQueue(redisConnection(redis.url, "brief"), name);
    const events: WorkerEvent[] = [];
    const stop = new AbortController();
    let running: Promise<unknown> = Promise.resolve();
    try {
      const job = { input: "/in/a.png", output: "/out/a.png", model, settings: {}, skipExisting: false };
      await addTranslationJobs(own, [job], retry);
      const settings = {
        connection: redisConnection(redis.url, "brief"),
        queue: name,
        backend: "cpu",
        lockDurationMs: 300,
        stalledIntervalMs: 60_000,
      };
      // A forward pass as the worker sees one: the event loop held, here for 5 lock durations.
      const holdProcess = async () => {
        const end = performance.now() + 1500;
        while (performance.now() < end);
        return { output: job.output, skipped: false, milliseconds: 1500 };
      };
      running = runWorker(settings, holdProcess, stop.signal, (event) => events.push(event));
      await until("the lost lock", async () => events.some((event) => event.kind === "lock-lost"), 30_000);
    } finally {
      stop.abort();
      await running;
      await own.obliterate({ force: true });
      await own.close();
    }
    const lost = events.filter((event) => event.kind === "lock-lost");
    assert.deepEqual(lost, [{ kind: "lock-lost", id: lost[0]?.id, lockDurationMs: 300 }]);
    const started = events.find((event) => event.kind === "start");
    assert.equal(lost[0]?.id, started?.kind === "start" ? started.id : undefined);
    assert.deepEqual(
      events.filter((event) => event.kind === "error"),
      [],
    );
  });

  test("an idle worker whose Redis went away exits 0 at once on SIGTERM", async () => {
    const own = await startLocalRedis();
    const worker = startCli(["worker", "--redis", own.url, "--backend", "cpu"]);
    try {
      await worker.waitForLine(/taking jobs from/);
      await own.stop();
      await worker.waitForLine(/unreachable/);
      worker.child.kill("SIGTERM");
      const exit = await Promise.race([
        worker.exited,
        new Promise((r) => setTimeout(() => r("still running"), 20_000)),
      ]);
      assert.equal(exit, 0, worker.lines.join("\n"));
    } finally {
      worker.child.kill("SIGKILL");
      await own.stop();
    }
  });

  test("an unreachable Redis is an error naming its URL and what to do", async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const worker = startCli(["worker", "--redis", closed]);
    await assert.rejects(
      readQueueStatus({ redis: closed, queue: "pix2pix", failures: 0 }),
      (error: Error) => {
        assert.ok(error instanceof UserError);
        assert.equal(
          error.message,
          `cannot reach Redis at ${closed} (connect ECONNREFUSED ${closed.slice(8)})`,
        );
        assert.match(error.hint ?? "", /start Redis there .* --redis \/ PIX2PIX_REDIS_URL/);
        return true;
      },
    );
    assert.equal(await worker.exited, 2, worker.lines.join("\n"));
    assert.match(worker.lines.join("\n"), new RegExp(`error: cannot reach Redis at ${closed}`));
    assert.match(worker.lines.join("\n"), /hint: start Redis there/);
  });
});

test("--redis, else PIX2PIX_REDIS_URL, else the local default; anything but a redis URL is refused", () => {
  assert.equal(redisUrl("redis://a:1", { PIX2PIX_REDIS_URL: "redis://b:2" }), "redis://a:1");
  assert.equal(redisUrl(undefined, { PIX2PIX_REDIS_URL: "rediss://b:2" }), "rediss://b:2");
  assert.equal(redisUrl(undefined, {}), "redis://127.0.0.1:6379");
  assert.throws(() => redisUrl("http://example.com", {}), /--redis must be a redis:\/\/ or rediss:\/\/ URL/);
  assert.throws(
    () => redisUrl(undefined, { PIX2PIX_REDIS_URL: "nonsense" }),
    /PIX2PIX_REDIS_URL is not a URL/,
  );
  assert.equal(displayUrl("redis://user:secret@host:6379/2"), "redis://user:***@host:6379/2");
});
