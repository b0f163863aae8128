/**
 * The models a server offers: every .safetensors / .pth / .pict file in --models (named by its stem) and every
 * run under --checkpoints-dir with a latest generator (named by the run). Names are looked up in that
 * listing, never joined to a path, so no request reaches a file outside the model folders. Models load
 * on first use and stay in an LRU bounded by a count and a weights budget; a model whose weights file
 * changed (a run saved a new checkpoint) is loaded again on its next use. An uploaded generator (a
 * .safetensors, checked before it is kept) becomes NAME.safetensors in --models.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../errors.ts";
import { decodeWeightsFile } from "../infer/generator-bytes.ts";
import { writeFileAtomic } from "../io/atomic-file.ts";
import { runFiles } from "../io/run-files.ts";
import { type DetectedGenerator, detectGenerator } from "../models/detect.ts";
import type { BatcherLimits } from "./batcher.ts";
import { HttpError } from "./http-error.ts";
import { type ModelEntry, type ModelSummary, ServedModel } from "./served-model.ts";

export interface RegistryOptions {
  readonly modelsDir: string | undefined;
  readonly checkpointsDir: string;
  readonly loadSize: number;
  readonly seed: number;
  readonly maxLoaded: number;
  readonly maxBytes: number;
  readonly limits: BatcherLimits;
}

const WEIGHTS = new Set([".safetensors", ".pth", ".pict"]);
const NAME = /^[\w][\w.-]*$/;

async function listDir(dir: string | undefined) {
  if (dir === undefined) return [];
  return readdir(dir, { withFileTypes: true }).catch(() => []);
}

/** The weights file's version: a new checkpoint changes its modification time or size. */
async function fileVersion(file: string): Promise<string | undefined> {
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ? `${info.mtimeMs}:${info.size}` : undefined;
}

export async function scanModels(modelsDir: string | undefined, checkpointsDir: string) {
  const found = new Map<string, ModelEntry>();
  for (const e of await listDir(modelsDir)) {
    const { name, ext } = path.parse(e.name);
    if (!e.isFile() || !WEIGHTS.has(ext.toLowerCase()) || !NAME.test(name) || found.has(name)) continue;
    const file = path.join(modelsDir as string, e.name);
    found.set(name, { name, source: "file", model: file, weights: file });
  }
  for (const e of await listDir(checkpointsDir)) {
    if (!e.isDirectory() || !NAME.test(e.name) || found.has(e.name)) continue;
    const dir = path.join(checkpointsDir, e.name);
    const weights = runFiles(dir, "latest").g;
    if (await fileVersion(weights)) found.set(e.name, { name: e.name, source: "run", model: dir, weights });
  }
  return found;
}

/** The architecture of an upload's bytes, which must be a generator's .safetensors (422 otherwise). */
function uploadedGenerator(bytes: Uint8Array, name: string): DetectedGenerator {
  try {
    const { tensors, metadata } = decodeWeightsFile(bytes, `${name}.safetensors`);
    return detectGenerator(tensors, metadata, `the uploaded ${name}.safetensors`);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new HttpError(
      422,
      error.message,
      "send a generator's .safetensors: pix2pix train's latest_net_G, the studio's download, or pix2pix export --format safetensors",
    );
  }
}

function unknownModel(name: string): HttpError {
  return new HttpError(404, `no model named '${name}'`, "GET /api/models lists the models");
}

export class ModelRegistry {
  /** Loaded models, least recently used first. */
  private readonly loaded = new Map<string, ServedModel>();
  private readonly loading = new Map<string, Promise<ServedModel>>();
  private readonly summaries = new Map<string, { version: string; summary: ModelSummary }>();
  /** Requests per model name being read or decoded, not yet in its queue (see expect). */
  private readonly arriving = new Map<string, number>();

  constructor(private readonly o: RegistryOptions) {}

  async entries(): Promise<Map<string, ModelEntry>> {
    return scanModels(this.o.modelsDir, this.o.checkpointsDir);
  }

  /** Every model with its architecture (each is loaded once to read it, then remembered per version). */
  async list(): Promise<ModelSummary[]> {
    const summaries: ModelSummary[] = [];
    for (const entry of (await this.entries()).values()) {
      const version = await fileVersion(entry.weights);
      const known = this.summaries.get(entry.name);
      if (known && known.version === version) summaries.push(known.summary);
      else summaries.push(await this.use(entry.name, async (model) => model.summary));
    }
    return summaries;
  }

  /**
   * Announces a request for `name` on its way to the model's queue (its body being read, its image
   * decoded): a batch waits for it a little (see Batcher). Call the returned function once it has
   * reached the queue or given up; calls after the first do nothing.
   */
  expect(name: string): () => void {
    this.arriving.set(name, (this.arriving.get(name) ?? 0) + 1);
    let arrived = false;
    return () => {
      if (arrived) return;
      arrived = true;
      const left = (this.arriving.get(name) ?? 1) - 1;
      if (left > 0) this.arriving.set(name, left);
      else this.arriving.delete(name);
      this.loaded.get(name)?.wake();
    };
  }

  /** The weights file of the model named `name` (404 for an unknown name). */
  async weightsFile(name: string): Promise<string> {
    return (await this.find(name)).entry.weights;
  }

  /**
   * Keeps `bytes`, a generator's .safetensors, as model `name`: NAME.safetensors in --models, written
   * whole or not at all; an upload of that name before is replaced (and reloaded on its next use).
   * Refused: no --models folder (403), a name that is no file name (400), a name another model has
   * (409), bytes that are no generator (422, from the library's UserError).
   */
  async store(
    name: string,
    bytes: Uint8Array,
  ): Promise<{ created: boolean; architecture: DetectedGenerator }> {
    const dir = this.o.modelsDir;
    if (dir === undefined) {
      throw new HttpError(
        403,
        "this server has no models folder to keep uploads in",
        "start pix2pix serve with --models DIR",
      );
    }
    if (!NAME.test(name) || name.includes("..")) {
      throw new HttpError(
        400,
        `'${name}' cannot be a model name`,
        "use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'",
      );
    }
    const file = path.join(dir, `${name}.safetensors`);
    const existing = (await this.entries()).get(name);
    if (existing && existing.weights !== file) {
      const what =
        existing.source === "run" ? "a training run" : `the file ${path.basename(existing.weights)}`;
      throw new HttpError(409, `the model name '${name}' is taken by ${what}`, "upload under another name");
    }
    const architecture = uploadedGenerator(bytes, name);
    await writeFileAtomic(file, bytes);
    return { created: existing === undefined, architecture };
  }

  /** Runs `work` with the model named `name`, loaded (or reloaded) as needed; 404 for an unknown name. */
  async use<T>(name: string, work: (model: ServedModel) => Promise<T>): Promise<T> {
    for (;;) {
      const model = await this.acquire(name);
      if (!model.acquire()) continue; // evicted between load and use: take the current one
      try {
        return await work(model);
      } finally {
        model.release();
      }
    }
  }

  /** The loaded models' names, least recently used first. */
  get loadedNames(): string[] {
    return [...this.loaded.keys()];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.loading.values());
    const models = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.all(models.map((m) => m.close()));
  }

  private async find(name: string): Promise<{ entry: ModelEntry; version: string }> {
    if (!NAME.test(name) || name.includes("..")) throw unknownModel(name);
    const entry = (await this.entries()).get(name);
    const version = entry && (await fileVersion(entry.weights));
    if (!entry || !version) throw unknownModel(name);
    return { entry, version };
  }

  private async acquire(name: string): Promise<ServedModel> {
    const { entry, version } = await this.find(name);
    const current = this.loaded.get(name);
    if (current?.version === version) {
      this.loaded.delete(name); // most recently used now
      this.loaded.set(name, current);
      return current;
    }
    const key = `${name}@${version}`;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(entry, version).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async load(entry: ModelEntry, version: string): Promise<ServedModel> {
    const arriving = () => this.arriving.get(entry.name) ?? 0;
    const model = await ServedModel.open(entry, version, { ...this.o, arriving });
    const previous = this.loaded.get(entry.name);
    if (previous) this.retire(entry.name, previous);
    this.loaded.set(entry.name, model);
    this.summaries.set(entry.name, { version, summary: model.summary });
    this.evict();
    return model;
  }

  /** Leaves the least recently used models until the count and the weights budget hold (the newest stays). */
  private evict(): void {
    const total = () => [...this.loaded.values()].reduce((sum, m) => sum + m.bytes(), 0);
    while (this.loaded.size > 1 && (this.loaded.size > this.o.maxLoaded || total() > this.o.maxBytes)) {
      const [name, oldest] = this.loaded.entries().next().value as [string, ServedModel];
      this.retire(name, oldest);
    }
  }

  private retire(name: string, model: ServedModel): void {
    if (this.loaded.get(name) === model) this.loaded.delete(name);
    void model.close();
  }
}
