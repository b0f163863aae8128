/**
 * The two packages as a user gets them: `npm pack`ed, installed from the tarballs into an empty project
 * (where tfjs-backend-onednn's install script compiles its addon, as on a user's machine), and used from
 * plain node, with no tsx anywhere: the library trains a tiny model and translates an image, the
 * installed `pix2pix` executable runs, TypeScript sees the typings, and the browser entry bundles for the
 * browser with nothing from Node.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as esbuild from "esbuild";

const repo = path.resolve(import.meta.dirname, "../../..");
const work = mkdtempSync(path.join(tmpdir(), "pix2pix-package-"));
const app = path.join(work, "app");

function run(command: string, args: string[], cwd: string, timeoutMs = 240_000): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: timeoutMs });
  assert.equal(
    result.status,
    0,
    `'${command} ${args.join(" ")}' failed (${result.error ?? `status ${result.status}`}):\n${result.stdout}\n${result.stderr}`,
  );
  return result.stdout;
}

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/** Trains two steps through the library, then translates the first training image with the result. */
const TRAIN_AND_TRANSLATE = `
import path from "node:path";
import {
  createGenerator, generatorConfig, loadNetwork, modelOptions, readImage, resolveOptions, Rng, train,
  translateBatch, writeImage,
} from "pix2pix-ts/node";

const [dataroot, checkpointsDir, output] = process.argv.slice(2);
const model = { netG: "resnet_6blocks", ngf: 8, ndf: 8 };
const losses = [];
const run = await train(
  { ...model, dataroot, loadSize: 32, cropSize: 32, numThreads: 2, checkpointsDir, name: "tiny" },
  { maxSteps: 2, onNote: () => {}, onStep: (step) => losses.push(step.losses) },
);
const g = createGenerator(generatorConfig(resolveOptions(modelOptions, model), 3, 3), null);
await loadNetwork(path.join(run.dir, "latest_net_G.safetensors"), g);
const image = await readImage(path.join(dataroot, "train", "000000.png"), 3, { width: 32, height: 32 });
const shape = [1, 32, 32, 3];
const pairs = { a: image.data, b: image.data, shapeA: shape, shapeB: shape, paths: ["000000"] };
const [translation] = translateBatch(g, pairs, "eval", Rng.fromSeed(0));
await writeImage(output, translation.output);
console.log(JSON.stringify({ run, losses, output: Array.from(translation.output.data) }));
`;

/** Compiles only if the typings carry the API's types: each misuse below must be an error. */
const USE_TYPES = `
import { createGenerator, generatorConfig, modelOptions, resolveOptions } from "pix2pix-ts";
import { type TrainResult, train } from "pix2pix-ts/node";

export const net = createGenerator(generatorConfig(resolveOptions(modelOptions, { ngf: 8 }), 3, 3), null);
export const result: Promise<TrainResult> = train({ ngf: 8 });
// @ts-expect-error: ngf is a number
train({ ngf: "eight" });
// @ts-expect-error: there is no such option
train({ ngff: 8 });
// @ts-expect-error: the browser entry has no training
import("pix2pix-ts").then((m) => m.train);
`;

describe("the packed packages, installed into an empty project", () => {
  let packed: Packed[] = [];

  before(() => {
    // prepack builds dist/ first (tsc -b), so the tarballs hold the current code.
    const json = run(
      "npm",
      ["pack", "--json", "--pack-destination", work, "-w", "tfjs-backend-onednn", "-w", "pix2pix-ts"],
      repo,
    );
    packed = JSON.parse(json);
    const tarballs = packed.map((p) => path.join(work, p.filename));
    mkdirSync(app);
    const backend = tarballs.find((t) => path.basename(t).startsWith("tfjs-backend-onednn-"));
    // npm 11 wants a dependency's install script approved (for now it warns, later it will skip it).
    const manifest = {
      name: "app",
      private: true,
      type: "module",
      allowScripts: { [`file:${backend}`]: true },
    };
    writeFileSync(path.join(app, "package.json"), JSON.stringify(manifest));
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...tarballs], app);
  });
  after(() => rmSync(work, { recursive: true, force: true })); // ~80 MB of node_modules

  test("the tarballs hold the compiled JavaScript, its typings and the addon's sources, no TypeScript", () => {
    const files = (name: string) => packed.find((p) => p.name === name)?.files.map((f) => f.path) ?? [];
    const library = files("pix2pix-ts");
    const backend = files("tfjs-backend-onednn");
    for (const file of [
      "bin/pix2pix.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/node.js",
      "dist/data/worker.js",
    ]) {
      assert.ok(library.includes(file), `pix2pix-ts lacks ${file}`);
    }
    for (const file of ["binding.gyp", "native/addon.cc", "dist/index.js", "dist/index.d.ts"]) {
      assert.ok(backend.includes(file), `tfjs-backend-onednn lacks ${file}`);
    }
    const typescript = [...library, ...backend].filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    assert.deepEqual(typescript, []);
    assert.ok(!backend.some((f) => f.startsWith("build/")), "no prebuilt addon: it is compiled at install");
  });

  test("installing compiled the native addon, and brought no tsx", () => {
    assert.ok(existsSync(path.join(app, "node_modules/tfjs-backend-onednn/build/Release/onednn.node")));
    assert.ok(!existsSync(path.join(app, "node_modules/tsx")));
  });

  test("plain node trains 2 steps on the onednn backend and translates an image, through the library", () => {
    // The installed executable writes the dataset: aligned PNG pairs, which worker threads decode.
    const dataroot = path.join(work, "pairs");
    run(
      path.join(app, "node_modules/.bin/pix2pix"),
      ["datasets", "synthetic", "--out", dataroot, "--count", "4", "--size", "32"],
      app,
    );
    writeFileSync(path.join(app, "train.mjs"), TRAIN_AND_TRANSLATE);
    const output = path.join(work, "translated.png");
    const report = JSON.parse(
      run(process.execPath, ["train.mjs", dataroot, path.join(work, "runs"), output], app),
    );

    assert.equal(report.run.backend, "onednn");
    assert.equal(report.run.iteration, 2);
    for (const file of [
      "latest_net_G.safetensors",
      "latest_net_D.safetensors",
      "loss_log.jsonl",
      "report.html",
    ]) {
      assert.ok(existsSync(path.resolve(app, report.run.dir, file)), file);
    }
    assert.equal(report.losses.length, 2);
    for (const losses of report.losses) {
      assert.ok(
        Object.values(losses).every((v) => Number.isFinite(v)),
        JSON.stringify(losses),
      );
    }
    const pixels: number[] = report.output;
    assert.equal(pixels.length, 32 * 32 * 3);
    assert.ok(
      pixels.every((v) => Number.isFinite(v) && v > -1 && v < 1),
      "tanh outputs in (-1, 1)",
    );
    assert.ok(Math.max(...pixels) > Math.min(...pixels), "not a constant image");
    assert.deepEqual([...readFileSync(output).subarray(1, 4)], [...Buffer.from("PNG")]);
  });

  test("the installed pix2pix executable translates with the trained generator", () => {
    const output = path.join(work, "translated-by-cli.png");
    const model = path.join(work, "runs/tiny");
    const input = path.join(work, "pairs/train/000001.png");
    const args = [
      "translate",
      "--model",
      model,
      "--netG",
      "resnet_6blocks",
      "--ngf",
      "8",
      "--load-size",
      "32",
    ];
    const stdout = run(path.join(app, "node_modules/.bin/pix2pix"), [...args, "-o", output, input], app);
    assert.match(
      stdout,
      /32×32; resnet_6blocks ngf 8 batch norm, onednn backend/,
      "the network's size, on the native backend",
    );
    assert.ok(existsSync(output));
  });

  test("TypeScript sees the API's types through the packages' typings", () => {
    writeFileSync(path.join(app, "use.ts"), USE_TYPES);
    // tfjs-core's own typings do not pass a library check, hence skipLibCheck, as its users need too.
    const compilerOptions = {
      module: "nodenext",
      target: "es2022",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    };
    writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["use.ts"] }));
    run(process.execPath, [path.join(repo, "node_modules/typescript/bin/tsc"), "-p", app], app);
  });

  test("the browser entry bundles for the browser with nothing from Node", async () => {
    writeFileSync(path.join(app, "browser.js"), 'export * from "pix2pix-ts";\n');
    let result: esbuild.BuildResult<{ metafile: true; write: false }>;
    try {
      result = await esbuild.build({
        entryPoints: ["browser.js"],
        absWorkingDir: app,
        bundle: true,
        platform: "browser",
        format: "esm",
        write: false,
        metafile: true,
        logLevel: "silent",
      });
    } catch (error) {
      const errors = (error as esbuild.BuildFailure).errors ?? [];
      assert.fail(`the bundle failed: ${errors.map((e) => `${e.text} (${e.location?.file})`).join("; ")}`);
    }
    const builtins = new Set(builtinModules);
    const isBuiltin = (specifier: string) =>
      specifier.startsWith("node:") || builtins.has(specifier.split("/")[0] ?? "");
    const inputs = Object.entries(result.metafile.inputs);
    const ours = inputs.filter(([file]) => file.includes("node_modules/pix2pix-ts/"));
    assert.ok(ours.length > 10, `bundled the library (${ours.length} files)`);
    // Our code imports no Node module at all; a dependency may name one only where its package.json
    // maps it away for browsers (tfjs-core's node platform file, seedrandom's crypto).
    const fromUs = ours.flatMap(([, input]) => input.imports.filter((i) => isBuiltin(i.original ?? i.path)));
    assert.deepEqual(fromUs, []);
    const bundled = inputs.flatMap(([, input]) =>
      input.imports.filter((i) => isBuiltin(i.original ?? i.path) && !i.path.startsWith("(disabled):")),
    );
    assert.deepEqual(bundled, []);
    const nodeOnly = inputs
      .map(([file]) => file)
      .filter((f) => /node_modules\/(sharp|tfjs-backend-onednn)\//.test(f));
    assert.deepEqual(nodeOnly, []);
  });
});
