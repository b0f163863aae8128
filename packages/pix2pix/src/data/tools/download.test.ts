import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as tar from "tar";
import { tempDir, writeRgb } from "../../../test/image-files.ts";
import { UserError } from "../../errors.ts";
import { downloadDataset } from "./download.ts";

/** A loopback HTTP server for NAME.tar.gz files, with Range support that a test can switch off. */
class ArchiveServer {
  readonly files = new Map<string, Buffer>();
  readonly ranges: (string | undefined)[] = [];
  honourRanges = true;
  private server: Server = createServer((request, response) => {
    const body = this.files.get(request.url ?? "");
    this.ranges.push(request.headers.range);
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    if (range && this.honourRanges) {
      const start = Number(range[1]);
      if (start >= body.length) {
        response.writeHead(416).end();
        return;
      }
      response.writeHead(206, {
        "content-length": body.length - start,
        "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
      });
      response.end(body.subarray(start));
      return;
    }
    response.writeHead(200, { "content-length": body.length }).end(body);
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/pix2pix/datasets`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback port with nothing listening: one that was free a moment ago. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function rejectsWithUserError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

describe("datasets download", () => {
  const server = new ArchiveServer();
  let baseUrl = "";
  let archive: Buffer;
  const quiet = { log: () => {} };

  before(async () => {
    const source = tempDir();
    for (let i = 1; i <= 3; i++) {
      await writeRgb(path.join(source, "facades", "train", `${i}.png`), 64, 32, (x, y) => [
        x * 4,
        y * 8,
        i * 50,
      ]);
    }
    await writeRgb(path.join(source, "facades", "val", "1.png"), 64, 32, () => [1, 2, 3]);
    const file = path.join(source, "facades.tar.gz");
    await tar.c({ gzip: true, file, cwd: source }, ["facades"]);
    archive = readFileSync(file);
    server.files.set("/pix2pix/datasets/facades.tar.gz", archive);
    server.files.set("/pix2pix/datasets/maps.tar.gz", Buffer.from("this is not a gzip archive at all"));
    baseUrl = await server.start();
  });
  after(() => server.stop());

  test("downloads, checks and extracts the archive into DIR/NAME, then removes it", async () => {
    const dest = tempDir();
    const sha = createHash("sha256").update(archive).digest("hex");
    const result = await downloadDataset({ name: "facades", dest, baseUrl, sha256: sha, ...quiet });
    assert.equal(result.folder, path.join(dest, "facades"));
    assert.equal(result.sha256, sha);
    assert.equal(result.bytes, archive.length);
    assert.ok(existsSync(path.join(dest, "facades", "train", "3.png")));
    assert.ok(existsSync(path.join(dest, "facades", "val", "1.png")));
    assert.ok(!existsSync(path.join(dest, "facades.tar.gz")));
  });

  test("resumes a partial download with an HTTP Range request", async () => {
    const dest = tempDir();
    writeFileSync(path.join(dest, "facades.tar.gz.part"), archive.subarray(0, 100));
    server.ranges.length = 0;
    const result = await downloadDataset({ name: "facades", dest, baseUrl, ...quiet });
    assert.deepEqual(server.ranges, ["bytes=100-"]);
    assert.equal(result.resumedFrom, 100);
    assert.equal(result.sha256, createHash("sha256").update(archive).digest("hex"));
    assert.ok(existsSync(path.join(dest, "facades", "train", "1.png")));
  });

  test("an archive left by an interrupted extraction is not downloaded again", async () => {
    const dest = tempDir();
    writeFileSync(path.join(dest, "facades.tar.gz"), archive);
    server.ranges.length = 0;
    const result = await downloadDataset({ name: "facades", dest, baseUrl, ...quiet });
    assert.deepEqual(server.ranges, [`bytes=${archive.length}-`]);
    assert.equal(result.resumedFrom, archive.length);
    assert.ok(existsSync(path.join(dest, "facades", "train", "1.png")));
  });

  test("starts over when the server ignores the range", async () => {
    const dest = tempDir();
    writeFileSync(path.join(dest, "facades.tar.gz.part"), Buffer.alloc(50, 9));
    server.honourRanges = false;
    try {
      const result = await downloadDataset({ name: "facades", dest, baseUrl, ...quiet });
      assert.equal(result.bytes, archive.length);
      assert.ok(existsSync(path.join(dest, "facades", "train", "2.png")));
    } finally {
      server.honourRanges = true;
    }
  });

  test("offline, a missing dataset, a wrong checksum and a broken archive are clear user errors", async () => {
    const dest = tempDir();
    const closed = await closedPort();
    await rejectsWithUserError(
      downloadDataset({ name: "facades", dest, baseUrl: `http://127.0.0.1:${closed}/x`, ...quiet }),
      new RegExp(`cannot download http://127\\.0\\.0\\.1:${closed}/x/facades\\.tar\\.gz: ECONNREFUSED`),
    );
    await rejectsWithUserError(
      downloadDataset({ name: "night2day", dest, baseUrl, ...quiet }),
      /no dataset at .*night2day\.tar\.gz \(HTTP 404\)/,
    );
    await rejectsWithUserError(
      downloadDataset({ name: "facades", dest, baseUrl, sha256: "0".repeat(64), ...quiet }),
      /has SHA-256 [0-9a-f]{64}, expected 0{64}/,
    );
    assert.ok(
      !existsSync(path.join(dest, "facades.tar.gz.part")),
      "a download with a wrong checksum is removed",
    );
    await rejectsWithUserError(
      downloadDataset({ name: "maps", dest, baseUrl, ...quiet }),
      /maps\.tar\.gz is not a complete \.tar\.gz archive/,
    );
  });
});
