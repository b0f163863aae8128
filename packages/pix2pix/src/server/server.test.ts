import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { tempDir } from "../../test/image-files.ts";
import { noiseImage, postImage, type TinyModels, tinyModels } from "../../test/serve-helpers.ts";
import { translateImage } from "../infer/translate-image.ts";
import { imageSize } from "../io/images.ts";
import type { ServeOptions } from "./options.ts";
import { type RunningServer, startServer } from "./server.ts";

const root = tempDir("pix2pix-serve-");
let models: TinyModels;
let image: { file: string; bytes: Buffer };
const servers: RunningServer[] = [];

async function server(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const started = await startServer(
    {
      models: models.modelsDir,
      checkpointsDir: models.checkpointsDir,
      port: 0,
      backend: "cpu",
      ...options,
    },
    () => {},
  );
  servers.push(started);
  return started;
}

/** A raw request whose body is only partly sent; resolves with the status when the server answers. */
function partialUpload(
  url: string,
  declared: number,
  sent: number,
  destroy: boolean,
): Promise<number | "destroyed"> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: { "Content-Type": "image/png", "Content-Length": String(declared) },
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (error) => (destroy ? resolve("destroyed") : reject(error)));
    req.write(Buffer.alloc(sent, 1));
    if (destroy) setTimeout(() => req.destroy(), 50);
  });
}

describe("pix2pix serve", () => {
  let main: RunningServer;
  before(async () => {
    models = await tinyModels(root);
    image = await noiseImage(path.join(root, "in.png"), 1);
    main = await server({ loadSize: 64 });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(root, { recursive: true, force: true });
  });

  test("GET /api/health says it is up, with the backend and the version", async () => {
    const res = await fetch(`${main.url}/api/health`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["ok", "backend", "version"]);
    assert.equal(body.ok, true);
    assert.equal(body.backend, "cpu");
    assert.match(body.version, /^\d+\.\d+\.\d+/);
  });

  test("GET /api/models lists the model files and the runs with their architecture", async () => {
    const list = await (await fetch(`${main.url}/api/models`)).json();
    const byName = Object.fromEntries(list.map((m: { name: string }) => [m.name, m]));
    assert.deepEqual(Object.keys(byName).sort(), ["tiny", "tiny-file"]);
    for (const [name, source] of [
      ["tiny", "run"],
      ["tiny-file", "file"],
    ]) {
      const m = byName[name as string];
      assert.equal(m.source, source);
      assert.deepEqual([m.netG, m.ngf, m.inputNc, m.outputNc], ["resnet_6blocks", 4, 3, 3]);
    }
    assert.equal(byName.tiny.loadSize, 32, "a run's models take its crop size");
    assert.equal(byName["tiny-file"].loadSize, 64, "a file without a stated size takes --load-size");
  });

  for (const mode of ["test", "eval"] as const) {
    test(`POST /api/translate answers the PNG that pix2pix translate writes (${mode} mode)`, async () => {
      const out = path.join(root, `translate-${mode}.png`);
      const run = path.join(models.checkpointsDir, "tiny");
      // The server scales every image to the network's size: translate's untiled path.
      const options = {
        model: run,
        output: out,
        backend: "cpu",
        eval: mode === "eval",
        tile: "off",
      } as const;
      await translateImage(image.file, options);
      const query = mode === "eval" ? "&eval=1" : "";
      const res = await postImage(`${main.url}/api/translate?model=tiny${query}`, image.bytes);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get("content-type"), "image/png");
      assert.match(res.headers.get("server-timing") ?? "", /decode;dur=[\d.]+.*queue\+infer;dur=[\d.]+/);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(out));
    });
  }

  test("size=original answers at the input's size, as translate --original-size; multipart works too", async () => {
    const out = path.join(root, "translate-original.png");
    const options = {
      model: models.file,
      output: out,
      backend: "cpu",
      originalSize: true,
      loadSize: 64,
      tile: "off",
    } as const;
    await translateImage(image.file, options);
    const form = new FormData();
    form.append("image", new Blob([new Uint8Array(image.bytes)], { type: "image/png" }), "in.png");
    const res = await fetch(`${main.url}/api/translate?model=tiny-file&size=original`, {
      method: "POST",
      body: form,
    });
    assert.equal(res.status, 200, await res.clone().text());
    const png = Buffer.from(await res.arrayBuffer());
    assert.deepEqual(await imageSize(png), { width: 40, height: 36 });
    assert.deepEqual(png, readFileSync(out));
  });

  test("refusals are a status and JSON {error, hint}: 415, 404, 422 and 400", async () => {
    const cases: [string, Uint8Array, string, number, RegExp][] = [
      ["tiny", image.bytes, "text/plain", 415, /content type 'text\/plain'/],
      ["nope", image.bytes, "image/png", 404, /no model named 'nope'/],
      ["..%2Fcheckpoints%2Ftiny", image.bytes, "image/png", 404, /no model named/],
      ["tiny%2F..%2F..%2Fin", image.bytes, "image/png", 404, /no model named/],
      ["tiny%00", image.bytes, "image/png", 404, /no model named/],
      ["tiny", Buffer.from("not an image at all"), "image/png", 422, /cannot read image/],
      ["tiny", image.bytes.subarray(0, image.bytes.length - 200), "image/png", 422, /cannot read image/],
      ["tiny&eval=yes", image.bytes, "image/png", 400, /eval=yes is not understood/],
      ["tiny&size=big", image.bytes, "image/png", 400, /size=big is not understood/],
    ];
    for (const [model, bytes, type, status, message] of cases) {
      const res = await postImage(`${main.url}/api/translate?model=${model}`, bytes, type);
      assert.equal(res.status, status, `${model} ${type}`);
      assert.equal(res.headers.get("content-type"), "application/json");
      const body = await res.json();
      assert.match(body.error, message);
      assert.equal(typeof body.hint, "string");
      assert.doesNotMatch(JSON.stringify(body), /at .*\.ts:\d+/, "no stack trace");
    }
    const unknownRoute = await fetch(`${main.url}/api/nothing`);
    assert.equal(unknownRoute.status, 404);
    assert.match((await unknownRoute.json()).error, /no route/);
  });

  test("a body over --max-body is refused with 413 before it is read", async () => {
    const small = await server({ maxBody: 0.001 });
    // 10 MB announced, 100 bytes sent: the answer comes without the rest
    assert.equal(await partialUpload(`${small.url}/api/translate?model=tiny`, 10_000_000, 100, false), 413);
    const res = await postImage(`${small.url}/api/translate?model=tiny`, Buffer.alloc(5000));
    assert.equal(res.status, 413);
    assert.match((await res.json()).error, /over the limit of 1000 bytes/);
  });

  test("an image over --max-pixels is refused with 422 from its header", async () => {
    const strict = await server({ maxPixels: 0.001 }); // 1000 pixels; the image has 1440
    const res = await postImage(`${strict.url}/api/translate?model=tiny`, image.bytes);
    assert.equal(res.status, 422);
    assert.match((await res.json()).error, /40×36 pixels, over the limit of 1000/);
  });

  test("a full queue answers 503 with Retry-After, a slow request 504, and the server stays up", async () => {
    // the first request waits 2 s for company in the queue, so the second finds it full
    const queued = await server({ maxQueue: 1, batchWaitMs: 2000 });
    const first = postImage(`${queued.url}/api/translate?model=tiny`, image.bytes);
    await new Promise((r) => setTimeout(r, 500));
    const second = await postImage(`${queued.url}/api/translate?model=tiny`, image.bytes);
    assert.equal(second.status, 503);
    assert.equal(second.headers.get("retry-after"), "1");
    assert.match((await second.json()).error, /queue is full/);
    assert.equal((await first).status, 200);

    const slow = await server({ timeout: 0.2, batchWaitMs: 5000 });
    const late = await postImage(`${slow.url}/api/translate?model=tiny`, image.bytes);
    assert.equal(late.status, 504);
    assert.match((await late.json()).error, /longer than 0.2 s/);
    assert.equal((await fetch(`${slow.url}/api/health`)).status, 200);
  });

  test("a client that disconnects mid-upload costs nothing: no translation runs", async () => {
    const fresh = await server();
    assert.equal(
      await partialUpload(`${fresh.url}/api/translate?model=tiny`, 100_000, 1000, true),
      "destroyed",
    );
    assert.equal((await fetch(`${fresh.url}/api/health`)).status, 200);
    assert.deepEqual(fresh.registry.loadedNames, [], "the model was not even loaded");
  });

  test("GET / serves the studio's built files from --studio; /api stays JSON", async () => {
    const studio = path.join(root, "studio");
    mkdirSync(path.join(studio, "assets"), { recursive: true });
    writeFileSync(path.join(studio, "index.html"), "<!doctype html><title>studio</title>");
    writeFileSync(path.join(studio, "assets", "app.js"), "console.log(1)");
    const withStudio = await server({ studio });
    const page = await fetch(`${withStudio.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await page.text(), /<title>studio<\/title>/);
    assert.equal(await (await fetch(`${withStudio.url}/assets/app.js`)).text(), "console.log(1)");
    const api = await fetch(`${withStudio.url}/api/nothing`);
    assert.equal(api.status, 404);
    assert.match((await api.json()).error, /no route/);
  });

  test("--token requires Authorization: Bearer on every /api route", async () => {
    const locked = await server({ token: "s3cret" });
    for (const route of ["/api/health", "/api/models", "/api/runs"]) {
      const res = await fetch(`${locked.url}${route}`);
      assert.equal(res.status, 401, route);
      assert.match((await res.json()).error, /token/);
      const wrong = await fetch(`${locked.url}${route}`, { headers: { Authorization: "Bearer nope" } });
      assert.equal(wrong.status, 401);
    }
    const ok = await fetch(`${locked.url}/api/health`, { headers: { Authorization: "Bearer s3cret" } });
    assert.equal(ok.status, 200);
    const res = await postImage(`${locked.url}/api/translate?model=tiny`, image.bytes, "image/png", {
      Authorization: "Bearer s3cret",
    });
    assert.equal(res.status, 200);
  });

  test("PUT /api/models/NAME/weights keeps an uploaded generator, which then translates; bad uploads are refused", async () => {
    const put = (name: string, body: Uint8Array, type = "application/octet-stream") =>
      fetch(`${main.url}/api/models/${name}/weights`, {
        method: "PUT",
        headers: { "Content-Type": type },
        body: new Uint8Array(body),
      });
    const weights = readFileSync(models.file);
    const created = await put("uploaded", weights);
    assert.equal(created.status, 201);
    assert.equal((await created.json()).netG, "resnet_6blocks");
    assert.ok(readFileSync(path.join(models.modelsDir, "uploaded.safetensors")).equals(weights));
    const translated = async (model: string) =>
      Buffer.from(
        await (await postImage(`${main.url}/api/translate?model=${model}`, image.bytes)).arrayBuffer(),
      );
    assert.ok((await translated("uploaded")).equals(await translated("tiny-file")));
    assert.equal((await put("uploaded", weights)).status, 200, "a second upload replaces the first");

    const refused = async (res: Response, status: number, pattern: RegExp) => {
      assert.equal(res.status, status);
      const body = await res.json();
      assert.match(body.error, pattern);
      assert.ok(body.hint);
    };
    await refused(await put("tiny", weights), 409, /taken by a training run/);
    const junk = await put("junk", Buffer.from("not a safetensors file"));
    assert.equal(junk.status, 422);
    const junkBody = await junk.json();
    assert.match(junkBody.error, /junk\.safetensors/);
    assert.match(junkBody.hint, /send a generator.s \.safetensors/);
    await refused(await put("-dash", weights), 400, /cannot be a model name/);
    await refused(await put("typed", weights, "image/png"), 415, /image\/png/);
    const noFolder = await server({ models: undefined });
    const res = await fetch(`${noFolder.url}/api/models/x/weights`, {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream" },
      body: new Uint8Array(weights),
    });
    await refused(res, 403, /no models folder/);
    rmSync(path.join(models.modelsDir, "uploaded.safetensors"));
  });
});
