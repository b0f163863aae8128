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

/** Three eval-mode images: their batch is padded to four. */
const modes = ["test", "eval", "test", "eval", "eval", "test"] as const;

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
      const together = await server({ backend, maxBatch: modes.length, batchWaitMs: 5000 });
      try {
        const single: Buffer[] = [];
        for (const [i, mode] of modes.entries())
          single.push(await answer(alone.url, images[i] as Buffer, mode));
        const batched = await Promise.all(
          modes.map((mode, i) => answer(together.url, images[i] as Buffer, mode)),
        );
        const sizes = await together.registry.use("tiny", async (m) => [...m.batchSizes]);
        assert.deepEqual(sizes, [modes.length], "all requests ran as one batch");
        assert.deepEqual(
          await alone.registry.use("tiny", async (m) => [...m.batchSizes]),
          [1, 1, 1, 1, 1, 1],
        );
        for (const [i, mode] of modes.entries()) {
          assert.ok(single[i]?.equals(batched[i] as Buffer), `image ${i} (${mode} mode) differs in a batch`);
        }
        assert.ok(!single[0]?.equals(single[2] as Buffer), "different inputs give different outputs");
      } finally {
        await Promise.all([alone.close(), together.close()]);
      }
    });
  }
});
