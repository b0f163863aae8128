import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { tempDir } from "../../test/image-files.ts";
import { noiseImage, postImage, type TinyModels, tinyModels } from "../../test/serve-helpers.ts";
import { BACKENDS } from "../backend.ts";
import type { ServeOptions } from "./options.ts";
import { type RunningServer, startServer } from "./server.ts";

const root = tempDir("pix2pix-serve-batching-");
let models: TinyModels;
let images: Buffer[];

async function server(options: Partial<ServeOptions>): Promise<RunningServer> {
  const o = { checkpointsDir: models.checkpointsDir, port: 0, ...options };
  return startServer(o, () => {});
}

async function answer(url: string, bytes: Buffer, mode: "test" | "eval"): Promise<Buffer> {
  const res = await postImage(`${url}/api/translate?model=tiny${mode === "eval" ? "&eval=1" : ""}`, bytes);
  assert.equal(res.status, 200, await res.clone().text());
  return Buffer.from(await res.arrayBuffer());
}

/**
 * Rounds of requests sent together to a server with --max-batch 4: a group of three of one mode runs as
 * one forward pass padded to 4, a single image or a group of two image by image (the two batch shapes).
 */
const rounds = [
  ["test", "test", "test", "eval"],
  ["eval", "eval", "eval", "test"],
  ["test", "eval", "test", "eval"],
] as const;
const modes = rounds.flat();

const counts = (m: { passes: ReadonlyMap<number, unknown>; batchSizes: ReadonlyMap<number, number> }) => ({
  batches: Object.fromEntries(m.batchSizes),
  passes: Object.fromEntries(m.passes),
});

describe("dynamic batching never changes an answer", () => {
  before(async () => {
    models = await tinyModels(root);
    images = await Promise.all(
      modes.map(async (_, i) => (await noiseImage(path.join(root, `in-${i}.png`), i + 10)).bytes),
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const backend of BACKENDS) {
    test(`a response is byte-identical alone and inside a batch, test and eval modes mixed (${backend})`, async () => {
      const alone = await server({ backend, maxBatch: 1 });
      const together = await server({ backend, maxBatch: 4, batchWaitMs: 5000 });
      try {
        const single: Buffer[] = [];
        for (const [i, mode] of modes.entries())
          single.push(await answer(alone.url, images[i] as Buffer, mode));
        const batched: Buffer[] = [];
        for (const [r, round] of rounds.entries()) {
          const at = (k: number) => r * 4 + k;
          batched.push(
            ...(await Promise.all(
              round.map((mode, k) => answer(together.url, images[at(k)] as Buffer, mode)),
            )),
          );
        }
        assert.deepEqual(await together.registry.use("tiny", async (m) => counts(m)), {
          batches: { 4: 3 },
          passes: { 4: { passes: 2, images: 6 }, 1: { passes: 6, images: 6 } },
        });
        assert.deepEqual(await alone.registry.use("tiny", async (m) => counts(m)), {
          batches: { 1: 12 },
          passes: { 1: { passes: 12, images: 12 } },
        });
        for (const [i, mode] of modes.entries()) {
          assert.ok(single[i]?.equals(batched[i] as Buffer), `image ${i} (${mode} mode) differs in a batch`);
        }
        assert.ok(!single[0]?.equals(single[1] as Buffer), "different inputs give different outputs");
      } finally {
        await Promise.all([alone.close(), together.close()]);
      }
    });
  }
});
