/**
 * Faults around a real `pix2pix train` process: signals, kill -9, a full disk and a read-only folder.
 * The full disk and the read-only folder are real tmpfs mounts in a private mount namespace (unshare).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { camelCase } from "../options/schema.ts";
import { readRunState } from "./checkpoint.ts";
import { trainOptions } from "./options.ts";
import { tinyRun } from "./tiny-run.ts";
import { train } from "./trainer.ts";

const bin = path.resolve(import.meta.dirname, "../../test/pix2pix-source.js");

/** The tiny run as command-line flags, spelled as the schema spells them (netG, n-layers-D, ...). */
function cliArgs(checkpointsDir: string, name: string, extra: string[] = []): string[] {
  const values: Record<string, unknown> = tinyRun(checkpointsDir, name);
  const flags = Object.keys(trainOptions).filter((flag) => values[camelCase(flag)] !== undefined);
  return ["train", ...flags.map((flag) => `--${flag}=${values[camelCase(flag)]}`), ...extra];
}

interface Child {
  /** Resolves when stdout has printed a line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function startTraining(args: string[]): Child {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of [...waiters]) {
      if (w.pattern.test(stdout)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stdout)) return resolve();
        waiters.push({ pattern, resolve });
        void exit.then(({ code }) =>
          reject(new Error(`exited (${code}) before ${pattern}:\n${stdout}\n${stderr}`)),
        );
      }),
    kill: (signal) => child.kill(signal),
    exit,
  };
}

describe("train process faults", () => {
  const root = mkdtempSync(path.join(tmpdir(), "pix2pix-faults-"));

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} finishes the step, saves a checkpoint and exits 0 with a message`, async () => {
      const child = startTraining(cliArgs(root, signal));
      await child.waitFor(/^epoch 1\/2 step 1\/3/m);
      child.kill(signal);
      const { code, stdout, stderr } = await child.exit;
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`${signal}: finishing the current step`));
      assert.match(stdout, /stopped at epoch 1, iteration \d; resume with: pix2pix train .*--continue/);
      const state = await readRunState(path.join(root, signal), "latest");
      assert.ok(state.iteration >= 1 && state.iteration < 3, `checkpoint at iteration ${state.iteration}`);
    });
  }

  test("kill -9 at any moment leaves the last checkpoint loadable", async () => {
    // A checkpoint every step; the kill lands right after step 2's line, while its checkpoint is written.
    const child = startTraining(cliArgs(root, "killed", ["--save-latest-freq=1"]));
    await child.waitFor(/^epoch 1\/2 step 2\/3/m);
    child.kill("SIGKILL");
    assert.equal((await child.exit).signal, "SIGKILL");
    const saved = await readRunState(path.join(root, "killed"), "latest");
    assert.ok([1, 2].includes(saved.iteration), `checkpoint at iteration ${saved.iteration}`);
    const resumed: number[] = [];
    await train(
      { ...tinyRun(root, "killed"), continue: true },
      { maxSteps: 1, onStep: ({ iteration }) => resumed.push(iteration) },
    );
    assert.deepEqual(resumed, [saved.iteration + 1]);
  });

  test("a full disk or a read-only folder gives a clear error and keeps the previous checkpoint", () => {
    const source = path.join(root, "SIGINT");
    const files = readdirSync(source);
    const bytes = files.reduce((sum, f) => sum + statSync(path.join(source, f)).size, 0);
    const mount = mkdtempSync(path.join(tmpdir(), "pix2pix-mount-"));
    const backup = mkdtempSync(path.join(tmpdir(), "pix2pix-backup-"));
    cpSync(source, backup, { recursive: true });
    const run = (args: string[]) =>
      `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ${args.map((a) => JSON.stringify(a)).join(" ")}`;
    const resume = cliArgs(mount, "run", ["--continue", "--save-latest-freq=1"]);
    const script = [
      "set -u",
      // Room for the checkpoint as it is plus 64 KiB: the next train-state file cannot fit.
      `mount -t tmpfs -o size=${bytes + 64 * 1024} tmpfs ${mount}`,
      `cp -r ${backup} ${mount}/run`,
      `${run(resume)} > ${mount}/../full.out 2>&1; echo "full-disk exit $?"`,
      `cmp ${backup}/latest_train_state.safetensors ${mount}/run/latest_train_state.safetensors && echo "full-disk kept"`,
      `mount -o remount,ro ${mount}`,
      `${run(resume)} > ${mount}/../ro.out 2>&1; echo "read-only exit $?"`,
      `cmp ${backup}/latest_train_state.safetensors ${mount}/run/latest_train_state.safetensors && echo "read-only kept"`,
      `umount ${mount}`,
    ].join("\n");
    const result = spawnSync("unshare", ["--user", "--map-root-user", "--mount", "bash", "-c", script], {
      encoding: "utf8",
      timeout: 300_000,
    });
    const full = readFileSync(path.join(mount, "../full.out"), "utf8");
    const readOnly = readFileSync(path.join(mount, "../ro.out"), "utf8");
    assert.match(
      result.stdout,
      /full-disk exit 2\nfull-disk kept/,
      `${result.stdout}${result.stderr}${full}`,
    );
    assert.match(full, /pix2pix: error: cannot write .*: no space left on the device/);
    assert.doesNotMatch(full, /\n\s+at /, "no stack trace");
    assert.match(
      result.stdout,
      /read-only exit 2\nread-only kept/,
      `${result.stdout}${result.stderr}${readOnly}`,
    );
    assert.match(readOnly, /pix2pix: error: cannot write .*: read-only file system/);
  });
});
