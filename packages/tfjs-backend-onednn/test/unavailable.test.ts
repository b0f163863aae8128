import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

test("a missing addon fails on import with the install command, not a fallback to cpu", () => {
  const index = path.resolve(import.meta.dirname, "../src/index.ts");
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", `await import(${JSON.stringify(index)})`],
    {
      encoding: "utf8",
      env: { ...process.env, TFJS_ONEDNN_ADDON: "/nonexistent/onednn.node" },
    },
  );
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /OnednnUnavailableError/);
  assert.match(result.stderr, /bash scripts\/setup\.sh/);
  assert.match(result.stderr, /apt-get install libdnnl-dev/);
});
