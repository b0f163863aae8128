import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { tempDir } from "../../../test/image-files.ts";
import { noiseImage, postImage, type TinyModels, tinyModels } from "../../../test/serve-helpers.ts";

const bin = path.resolve(import.meta.dirname, "../../../test/pix2pix-source.js");
const root = tempDir("pix2pix-serve-cli-");
let models: TinyModels;

interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** Everything printed so far. */
  output(): string;
  /** Resolves when the output matches `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** Starts `pix2pix serve` as a user would and waits for the URL it prints. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--backend", "cpu", ...args], {
    env: { ...process.env, ...env },
  });
  let text = "";
  const waiters: (() => void)[] = [];
  const heard = (d: Buffer) => {
    text += d;
    for (const w of waiters.splice(0)) w();
  };
  child.stdout.on("data", heard);
  child.stderr.on("data", heard);
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const waitFor = async (pattern: RegExp) => {
    while (!pattern.test(text)) {
      const more = new Promise<void>((resolve) => waiters.push(resolve));
      if ((await Promise.race([more.then(() => "more"), exited.then(() => "exit")])) === "exit") {
        assert.match(text, pattern, "the server exited first");
      }
    }
  };
  await waitFor(/pix2pix serve: (http:\S+)/);
  const url = /pix2pix serve: (http:\S+)/.exec(text)?.[1] as string;
  return { child, url, output: () => text, waitFor, exited };
}

describe("pix2pix serve (the command)", () => {
  before(async () => {
    models = await tinyModels(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal}: stops accepting, finishes the request in flight, exits 0`, async () => {
      const { bytes } = await noiseImage(path.join(root, "in.png"), 5);
      // a long batching window keeps the request in flight while the signal arrives
      const s = await serve(["--checkpoints-dir", models.checkpointsDir, "--batch-wait-ms", "4000"]);
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/, "loopback by default");
      const inFlight = postImage(`${s.url}/api/translate?model=tiny`, bytes);
      await new Promise((r) => setTimeout(r, 1500));
      s.child.kill(signal);
      await s.waitFor(new RegExp(`${signal}: finishing the requests in flight`));
      await assert.rejects(fetch(`${s.url}/api/health`), "no new connections");
      const res = await inFlight;
      const answered = performance.now();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "image/png");
      assert.equal(await s.exited, 0, s.output());
      // the answered request's connection, kept alive by the client, must not hold the exit for the
      // server's 65 s keep-alive time
      assert.ok(performance.now() - answered < 30_000, "exits soon after the last answer");
      assert.match(s.output(), /stopped/);
    });
  }

  test("a non-loopback host without a token warns; PIX2PIX_TOKEN guards the API", async () => {
    const open = await serve(["--host", "0.0.0.0", "--checkpoints-dir", models.checkpointsDir]);
    assert.match(open.output(), /warning: listening on 0\.0\.0\.0 without a token/);
    open.child.kill("SIGTERM");
    assert.equal(await open.exited, 0);

    const locked = await serve(["--checkpoints-dir", models.checkpointsDir], { PIX2PIX_TOKEN: "t0ken" });
    assert.doesNotMatch(locked.output(), /warning/);
    assert.equal((await fetch(`${locked.url}/api/health`)).status, 401);
    const ok = await fetch(`${locked.url}/api/health`, { headers: { Authorization: "Bearer t0ken" } });
    assert.equal(ok.status, 200);
    locked.child.kill("SIGTERM");
    assert.equal(await locked.exited, 0);
  });

  test("a --models folder that does not exist is a one-line error", async () => {
    const child = spawn(process.execPath, [bin, "serve", "--models", path.join(root, "missing")]);
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const status = await new Promise((resolve) => child.on("exit", resolve));
    assert.equal(status, 2);
    assert.match(err, /--models .*missing is not a folder/);
    assert.doesNotMatch(err, /at .*\.ts:\d+/);
  });
});
