/**
 * scripts/setup.sh on machines where it cannot install: it must print the exact commands and stop.
 * The machine is simulated with stand-ins for dpkg-query (nothing installed), id and apt-get on PATH.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";

const script = path.resolve(import.meta.dirname, "../../../scripts/setup.sh");

function fakeMachine(options: { uid: number; hasAptGet: boolean }): string {
  const bin = mkdtempSync(path.join(tmpdir(), "pix2pix-setup-"));
  const stub = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  stub("dpkg-query", "exit 1");
  stub("id", `echo ${options.uid}`);
  if (options.hasAptGet) stub("apt-get", "echo 'apt-get must not run' >&2; exit 99");
  for (const tool of ["dirname", "grep", "cat", "printf"]) {
    const real = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (real.startsWith("/")) symlinkSync(real, path.join(bin, tool));
  }
  return bin;
}

function runSetup(bin: string) {
  return spawnSync("/bin/bash", [script], { encoding: "utf8", env: { PATH: bin } });
}

test("not root: it names the missing packages, prints the apt-get command and exits non-zero", () => {
  const result = runSetup(fakeMachine({ uid: 1000, hasAptGet: true }));
  assert.equal(result.status, 1);
  assert.match(result.stderr, /missing system packages: libdnnl-dev g\+\+ make python3 pkg-config/);
  assert.match(
    result.stderr,
    /sudo apt-get update && sudo apt-get install -y --no-install-recommends libdnnl-dev/,
  );
  assert.doesNotMatch(result.stderr, /must not run/);
});

test("not Debian (no apt-get): it says so, names what to install and exits non-zero", () => {
  const result = runSetup(fakeMachine({ uid: 0, hasAptGet: false }));
  assert.equal(result.status, 1);
  assert.match(result.stderr, /installs system packages with apt-get/);
  assert.match(result.stderr, /libdnnl-dev/);
  assert.match(result.stderr, /oneDNN 2\.x/);
  assert.doesNotMatch(result.stderr, /brew install/);
});
