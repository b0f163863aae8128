/**
 * One direction of dependency, read from the imports: a module imports only from its own folder or
 * from a lower layer (docs/ARCHITECTURE.md draws the picture), and no modules import each other in a
 * circle. Tests may reach across layers; the modules they test may not.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const src = import.meta.dirname;

/** Layers, lowest first; a unit is a folder of src/ or a single top-level file. */
const LAYERS: readonly (readonly string[])[] = [
  ["errors.ts", "random.ts", "backend.ts", "options"],
  ["ops", "wasm"],
  ["nn"],
  ["io"],
  ["models", "data"],
  ["report"],
  ["infer"],
  ["train"],
  ["server", "queue"],
  ["bench"],
  ["cli"],
  ["index.ts", "wasm.ts"],
  ["node.ts"],
];
/** The one base layer whose units may import each other (still without cycles). */
const BASE = 0;

/** Packages only some units may import: the native backend is chosen at run time, never built in. */
const RESTRICTED_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  "tfjs-backend-onednn": ["backend.ts", "bench", "cli"],
  "@tensorflow/tfjs-backend-wasm": ["wasm", "wasm.ts"],
};

type Graph = ReadonlyMap<string, readonly string[]>;

// static `import … from`, `export … from`, side-effect `import "…"`, and dynamic `import("…")`
const IMPORT = /^(?:import|export)\s+(?:[^;]*?from\s+)?"([^"]+)";|import\(\s*"([^"]+)"\s*\)/gms;

function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2]) as string);
}

function unitOf(file: string): string {
  return file.split("/")[0] as string;
}

function layerOf(unit: string): number {
  const layer = LAYERS.findIndex((units) => units.includes(unit));
  if (layer < 0) throw new Error(`${unit} is in no layer: add it to LAYERS (and docs/ARCHITECTURE.md)`);
  return layer;
}

/** Every import that goes up or sideways across units, and every restricted package used outside its units. */
export function layerViolations(graph: Graph, packages: ReadonlyMap<string, readonly string[]>): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    const unit = unitOf(file);
    for (const target of targets) {
      const targetUnit = unitOf(target);
      if (targetUnit === unit) continue;
      const [from, to] = [layerOf(unit), layerOf(targetUnit)];
      if (to < from || (from === BASE && to === BASE)) continue;
      found.push(`${file} imports ${target} (${to > from ? "a higher" : "the same"} layer)`);
    }
    for (const name of packages.get(file) ?? []) {
      const allowed = RESTRICTED_PACKAGES[name];
      if (allowed && !allowed.includes(unit)) found.push(`${file} imports ${name}`);
    }
  }
  return found;
}

/** The files of each import cycle (one representative path per cycle found). */
export function cycles(graph: Graph): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

function readSources(): { graph: Graph; packages: Map<string, readonly string[]> } {
  const files = readdirSync(src, { recursive: true, encoding: "utf8" })
    .map((f) => f.split(path.sep).join("/"))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  const graph = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of files) {
    const specifiers = importsOf(readFileSync(path.join(src, file), "utf8"));
    const relative = specifiers.filter((s) => s.startsWith("."));
    graph.set(
      file,
      relative.map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s))),
    );
    packages.set(
      file,
      specifiers
        .filter((s) => !s.startsWith("."))
        .map((s) =>
          s
            .split("/")
            .slice(0, s.startsWith("@") ? 2 : 1)
            .join("/"),
        ), // a scope's package: two parts
    );
  }
  return { graph, packages };
}

test("every module imports only from its own folder or a lower layer", () => {
  const { graph, packages } = readSources();
  assert.ok(graph.size > 80, `read the sources (${graph.size} files)`);
  assert.deepEqual(layerViolations(graph, packages), []);
});

test("no modules import each other in a circle", () => {
  assert.deepEqual(cycles(readSources().graph), []);
});

test("the checks catch an upward import, a sideways one, a cycle and a restricted package", () => {
  const graph = new Map([
    ["nn/layers.ts", ["models/index.ts"]],
    ["models/index.ts", ["data/index.ts", "nn/layers.ts"]],
    ["train/trainer.ts", ["models/index.ts", "random.ts"]],
  ]);
  const packages = new Map([["nn/layers.ts", ["tfjs-backend-onednn"]]]);
  assert.deepEqual(layerViolations(graph, packages), [
    "nn/layers.ts imports models/index.ts (a higher layer)",
    "nn/layers.ts imports tfjs-backend-onednn",
    "models/index.ts imports data/index.ts (the same layer)",
  ]);
  assert.deepEqual(cycles(graph), [["nn/layers.ts", "models/index.ts", "nn/layers.ts"]]);
});
