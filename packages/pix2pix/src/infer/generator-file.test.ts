/** A generator opens from a run folder or a weights file with no architecture flags, dropout included. */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { UserError } from "../errors.ts";
import { runFiles } from "../io/run-files.ts";
import { tinyRun } from "../train/tiny-run.ts";
import { train } from "../train/trainer.ts";
import { openGenerator } from "./generator-file.ts";

describe("openGenerator", () => {
  const root = mkdtempSync(path.join(tmpdir(), "pix2pix-generator-file-"));
  const run = path.join(root, "tiny");
  const expected = {
    netG: "resnet_6blocks",
    ngf: 4,
    norm: "batch",
    inputNc: 3,
    outputNc: 3,
    noDropout: true,
  };

  before(async () => {
    await train({ ...tinyRun(root), noDropout: true }, { maxSteps: 1 });
  });

  test("a run folder: the architecture from the weights, dropout from the run's options", async () => {
    const opened = await openGenerator(run);
    opened.network.dispose();
    assert.deepEqual(opened.architecture, expected);
    assert.equal(opened.trainedSize, 32);
  });

  test("the run's generator file alone: dropout from the file's metadata", async () => {
    const opened = await openGenerator(runFiles(run, "latest").g);
    opened.network.dispose();
    assert.deepEqual(opened.architecture, expected);
    assert.equal(opened.trainedSize, undefined);
  });

  test("a given option that agrees is accepted; one that contradicts names both values", async () => {
    const agreed = await openGenerator(run, { netG: "resnet_6blocks", ngf: 4 });
    agreed.network.dispose();
    await assert.rejects(
      openGenerator(run, { norm: "instance" }),
      (e: unknown) =>
        e instanceof UserError && /--norm instance contradicts .*, which hold --norm batch/.test(e.message),
    );
  });
});
