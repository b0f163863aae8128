/**
 * Pretrained models: downloaded from a loopback server that serves a reference-format .pth (written by
 * tools/make-parity-fixtures.py), resumed, imported with architecture and direction, then translated
 * with no flags; offline, unknown and missing models are clear errors.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../../test/cli-helpers.ts";
import { tempDir, writeRgb } from "../../test/image-files.ts";
import { PARITY_FIXTURES } from "../../test/parity.ts";
import { UserError } from "../errors.ts";
import { readSafetensors } from "../io/safetensors.ts";
import { downloadPretrained } from "./pretrained.ts";

const pth = readFileSync(path.join(PARITY_FIXTURES, "unet_128_ngf2.pth"));
const quiet = { log: () => {} };

describe("models download", () => {
  const ranges: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    ranges.push(request.headers.range);
    if (request.url !== "/models-pytorch/facades_label2photo.pth") {
      response.writeHead(404).end();
      return;
    }
    const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? "")?.[1] ?? 0);
    const status = start > 0 ? 206 : 200;
    response.writeHead(status, { "content-length": pth.length - start }).end(pth.subarray(start));
  });
  let baseUrl = "";

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models-pytorch`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  test("resumes the .pth, imports it with architecture and direction, and it translates with no flags", async () => {
    const out = tempDir();
    writeFileSync(path.join(out, "facades_label2photo.pth.part"), pth.subarray(0, 500));
    ranges.length = 0;
    const result = await downloadPretrained({ name: "facades_label2photo", out, baseUrl, ...quiet });
    assert.deepEqual(ranges, ["bytes=500-"]);
    assert.equal(result.output, path.join(out, "facades_label2photo.safetensors"));
    assert.ok(!existsSync(path.join(out, "facades_label2photo.pth")), "the .pth is removed after import");
    const { metadata } = await readSafetensors(result.output);
    const { family, direction, dataset, netG, ngf, norm, noDropout } = metadata;
    assert.deepEqual(
      { family, direction, dataset, netG, ngf, norm, noDropout },
      {
        family: "pix2pix",
        direction: "BtoA",
        dataset: "facades",
        netG: "unet_128",
        ngf: "2",
        norm: "batch",
        noDropout: "false",
      },
    );

    const input = path.join(out, "labels.png");
    await writeRgb(input, 40, 30, (x, y) => [x * 6, y * 8, 100]);
    const photo = path.join(out, "photo.png");
    const translated = runCli([
      "translate",
      "--model",
      result.output,
      "--backend",
      "cpu",
      "-o",
      photo,
      input,
    ]);
    assert.equal(translated.status, 0, translated.stderr);
    assert.ok(existsSync(photo));
  });

  test("an unknown name, a missing file and no connection are user errors naming what to do", async () => {
    const out = tempDir();
    await assert.rejects(
      downloadPretrained({ name: "horse2zebra", out, baseUrl, ...quiet }),
      (e: unknown) => e instanceof UserError && /unknown pretrained model 'horse2zebra'/.test(e.message),
    );
    await assert.rejects(
      downloadPretrained({ name: "sat2map", out, baseUrl, ...quiet }),
      (e: unknown) => e instanceof UserError && /no model at .*\/sat2map\.pth \(HTTP 404\)/.test(e.message),
    );
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closedPort = (probe.address() as AddressInfo).port; // free a moment ago, nothing listens now
    await new Promise((resolve) => probe.close(resolve));
    const offline = `http://127.0.0.1:${closedPort}/models-pytorch`;
    await assert.rejects(
      downloadPretrained({ name: "map2sat", out, baseUrl: offline, ...quiet }),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.startsWith(`cannot download ${offline}/map2sat.pth: ECONNREFUSED`),
    );
  });

  test("models list names every model with what it translates", () => {
    const listed = runCli(["models", "list"]);
    assert.equal(listed.status, 0, listed.stderr);
    for (const name of ["facades_label2photo", "sat2map", "map2sat", "edges2shoes", "day2night"]) {
      assert.match(listed.stdout, new RegExp(`^${name}\\b.*→`, "m"));
    }
  });
});
