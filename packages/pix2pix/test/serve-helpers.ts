/** For the server's tests: a tiny trained run and a copy of its generator as a model file, and images. */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { runFiles } from "../src/io/run-files.ts";
import { tinyRun } from "../src/train/tiny-run.ts";
import { train } from "../src/train/trainer.ts";
import { writeRgb } from "./image-files.ts";

export interface TinyModels {
  readonly checkpointsDir: string;
  readonly modelsDir: string;
  /** The run `tiny` (resnet_6blocks, ngf 4, 32 px) and its generator copied to models/tiny-file.safetensors. */
  readonly run: string;
  readonly file: string;
}

export async function tinyModels(root: string): Promise<TinyModels> {
  const checkpointsDir = path.join(root, "checkpoints");
  const modelsDir = path.join(root, "models");
  await train(tinyRun(checkpointsDir), { maxSteps: 1 });
  mkdirSync(modelsDir, { recursive: true });
  const file = path.join(modelsDir, "tiny-file.safetensors");
  copyFileSync(runFiles(path.join(checkpointsDir, "tiny"), "latest").g, file);
  return { checkpointsDir, modelsDir, run: "tiny", file };
}

/** A noisy image file (different for each seed) and its bytes. */
export async function noiseImage(
  file: string,
  seed: number,
  width = 40,
  height = 36,
): Promise<{ file: string; bytes: Buffer }> {
  const value = (x: number, y: number, c: number) =>
    ((x * 73 + y * 151 + c * 37 + seed * 997) * 2654435761) % 256;
  await writeRgb(file, width, height, (x, y) => [value(x, y, 0), value(x, y, 1), value(x, y, 2)]);
  return { file, bytes: readFileSync(file) };
}

export function postImage(
  url: string,
  bytes: Uint8Array,
  type = "image/png",
  headers: Record<string, string> = {},
) {
  return fetch(url, {
    method: "POST",
    body: new Uint8Array(bytes),
    headers: { "Content-Type": type, ...headers },
  });
}
