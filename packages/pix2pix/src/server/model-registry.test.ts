import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { tempDir } from "../../test/image-files.ts";
import { noiseImage, postImage, type TinyModels, tinyModels } from "../../test/serve-helpers.ts";
import { translateImage } from "../infer/translate-image.ts";
import { saveNetwork } from "../io/network-file.ts";
import { createGenerator, generatorConfig } from "../models/index.ts";
import { Rng } from "../random.ts";
import type { ServeOptions } from "./options.ts";
import { type RunningServer, startServer } from "./server.ts";

const root = tempDir("pix2pix-serve-models-");
let models: TinyModels;
let image: { file: string; bytes: Buffer };

async function server(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const o = {
    models: models.modelsDir,
    checkpointsDir: models.checkpointsDir,
    port: 0,
    backend: "cpu",
  } as const;
  return startServer({ ...o, loadSize: 32, ...options }, () => {});
}

const translate = (s: RunningServer, model: string) =>
  postImage(`${s.url}/api/translate?model=${model}`, image.bytes);

describe("the model registry", () => {
  before(async () => {
    models = await tinyModels(root);
    image = await noiseImage(path.join(root, "in.png"), 3);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("keeps at most --max-loaded models, the least recently used leaving first", async () => {
    const s = await server({ maxLoaded: 1 });
    try {
      assert.deepEqual(s.registry.loadedNames, [], "nothing loads before it is used");
      assert.equal((await translate(s, "tiny")).status, 200);
      assert.deepEqual(s.registry.loadedNames, ["tiny"]);
      assert.equal((await translate(s, "tiny-file")).status, 200);
      assert.deepEqual(s.registry.loadedNames, ["tiny-file"]);
    } finally {
      await s.close();
    }
    const two = await server({ maxLoaded: 2 });
    try {
      for (const model of ["tiny", "tiny-file", "tiny"])
        assert.equal((await translate(two, model)).status, 200);
      assert.deepEqual(two.registry.loadedNames, ["tiny-file", "tiny"], "least recently used first");
    } finally {
      await two.close();
    }
  });

  test("keeps the loaded weights within --max-model-mb (the newest model always stays)", async () => {
    const s = await server({ maxModelMb: 0.000001 });
    try {
      for (const model of ["tiny", "tiny-file"]) assert.equal((await translate(s, model)).status, 200);
      assert.deepEqual(s.registry.loadedNames, ["tiny-file"]);
    } finally {
      await s.close();
    }
  });

  test("a model whose file changes is loaded again: the next answer comes from the new weights", async () => {
    const s = await server();
    try {
      const before = Buffer.from(await (await translate(s, "tiny-file")).arrayBuffer());
      const config = generatorConfig(
        { netG: "resnet_6blocks", ngf: 4, norm: "batch", noDropout: false },
        3,
        3,
      );
      const other = createGenerator(config, Rng.fromSeed(99));
      await saveNetwork(models.file, other);
      other.dispose();
      const res = await translate(s, "tiny-file");
      assert.equal(res.status, 200);
      const afterChange = Buffer.from(await res.arrayBuffer());
      assert.ok(!afterChange.equals(before), "the answer changed with the weights");
      const out = path.join(root, "new-weights.png");
      const options = { model: models.file, output: out, backend: "cpu", loadSize: 32, tile: "off" } as const;
      await translateImage(image.file, options);
      assert.ok(afterChange.equals(readFileSync(out)), "and is what translate gives with the new file");
    } finally {
      await s.close();
    }
  });

  test("GET /api/models/NAME/weights sends a model's weights file; unknown names are 404", async () => {
    const s = await server();
    try {
      const res = await fetch(`${s.url}/api/models/tiny/weights`);
      assert.equal(res.status, 200);
      const run = path.join(models.checkpointsDir, "tiny", "latest_net_G.safetensors");
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(readFileSync(run)));
      for (const name of ["nope", "..", "%2E%2E", "tiny%2F..%2F..%2Fmodels%2Ftiny-file"]) {
        const missing = await fetch(`${s.url}/api/models/${name}/weights`);
        assert.equal(missing.status, 404, name);
        assert.equal(missing.headers.get("content-type"), "application/json", name);
      }
    } finally {
      await s.close();
    }
  });
});
