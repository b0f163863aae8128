import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

const bin = path.resolve(import.meta.dirname, "../test/pix2pix-source.js");

function env(backend: string, addon?: string) {
  const overrides = addon === undefined ? {} : { TFJS_ONEDNN_ADDON: addon };
  return spawnSync(process.execPath, [bin, "env", "--backend", backend, "--format", "json"], {
    encoding: "utf8",
    env: { ...process.env, ...overrides },
  });
}

test("auto picks the native onednn backend", () => {
  const result = env("auto");
  assert.equal(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).backend, "onednn");
});

test("without the addon, auto is a user error naming the install command, with no stack trace", () => {
  const result = env("auto", "/nonexistent/onednn.node");
  assert.equal(result.status, 2);
  assert.match(result.stderr, /onednn backend cannot load/);
  assert.match(result.stderr, /bash scripts\/setup\.sh/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test("without the addon, --backend cpu still works", () => {
  const result = env("cpu", "/nonexistent/onednn.node");
  assert.equal(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).backend, "cpu");
});
