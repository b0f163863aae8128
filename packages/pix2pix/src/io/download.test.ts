import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, describe, test } from "node:test";
import { tempDir } from "../../test/image-files.ts";
import { UserError } from "../errors.ts";
import { downloadFile } from "./download.ts";

const body = randomBytes(200_000);
const notFound = (url: string) => new UserError(`nothing at ${url}`);

/** A loopback server for `body` that drops the connection of its first `drops` requests midway. */
async function flakyServer(
  drops: number,
): Promise<{ url: string; ranges: (string | undefined)[]; server: Server }> {
  const ranges: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    ranges.push(request.headers.range);
    const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? "")?.[1] ?? 0);
    response.writeHead(start > 0 ? 206 : 200, { "content-length": body.length - start });
    if (ranges.length <= drops) {
      response.write(body.subarray(start, start + 50_000), () => request.socket.end());
    } else {
      response.end(body.subarray(start));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/file.bin`, ranges, server };
}

describe("downloadFile when the connection drops", () => {
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
  });

  test("tries again, from where the dropped transfer got to, and the file is whole", async () => {
    const { url, ranges, server } = await flakyServer(1);
    servers.push(server);
    const file = path.join(tempDir(), "file.bin");
    const lines: string[] = [];
    const result = await downloadFile({ url, file, notFound, log: (line) => lines.push(line) });
    assert.ok(readFileSync(file).equals(body));
    assert.equal(result.bytes, body.length);
    assert.equal(ranges.length, 2);
    assert.equal(ranges[0], undefined);
    // what of the first try reached the disk before the drop (timing decides) is where the second resumes
    assert.ok(ranges[1] === undefined || /^bytes=[1-9]\d*-$/.test(ranges[1]), ranges[1]);
    assert.ok(
      lines.some((line) => /trying again \(2 of 3\)/.test(line)),
      lines.join("\n"),
    );
  });

  test("gives up after three tries with an error naming the URL, keeping the partial file", async () => {
    const { url, ranges, server } = await flakyServer(Number.POSITIVE_INFINITY);
    servers.push(server);
    const file = path.join(tempDir(), "file.bin");
    await assert.rejects(
      downloadFile({ url, file, notFound, log: () => {} }),
      (e: unknown) => e instanceof UserError && e.message.includes(url) && /resumes/.test(e.hint ?? ""),
    );
    assert.equal(ranges.length, 3);
    assert.ok(existsSync(`${file}.part`) && !existsSync(file));
  });
});
