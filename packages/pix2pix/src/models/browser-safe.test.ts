/**
 * The studio runs the same model code in the browser: nothing that models/, nn/ and the browser-side io/
 * modules import statically, directly or through each other, may need Node (node:* modules, sharp).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const src = path.resolve(import.meta.dirname, "..");
const ENTRIES = [
  "index.ts",
  "models/index.ts",
  "models/losses.ts",
  "io/state-dict.ts",
  "io/pth.ts",
  "io/safetensors-codec.ts",
];
// `import … from` and `export … from`, but not their `type` forms
const STATIC_IMPORT = /^(?:import|export)\s+(?:(?!type\b)[^;]*?from\s+)?"([^"]+)";/gms;

test("the library entry, models, nn and the browser-side io modules import nothing that needs Node", () => {
  const seen = new Set<string>();
  const offending: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(STATIC_IMPORT)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith(".")) visit(path.resolve(path.dirname(file), specifier));
      else if (specifier.startsWith("node:") || specifier === "sharp") {
        offending.push(`${path.relative(src, file)} imports ${specifier}`);
      }
    }
  };
  for (const entry of ENTRIES) visit(path.join(src, entry));
  assert.ok(seen.size > 10, `followed the imports (${seen.size} files)`);
  assert.deepEqual(offending, []);
});
