/**
 * .pth import: both torch.save formats load to the exact state dict and give PyTorch's outputs; a
 * malicious pickle is refused by name and nothing in it runs.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { zipSync } from "fflate";
import { assertClose, PARITY_CASES, PARITY_FIXTURES, patternValue, runNchw } from "../../test/parity.ts";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { parsePth } from "./pth.ts";
import { readSafetensors } from "./safetensors.ts";
import { loadNetworkStateDict } from "./state-dict.ts";

const fixture = (name: string) => readFileSync(path.join(PARITY_FIXTURES, name));

/** A pickle (protocol 2) that, if unpickled by Python, would run `command` with os.system. */
function maliciousPickle(module: string, command: string): Uint8Array {
  const text = new TextEncoder();
  const arg = text.encode(command);
  const length = new Uint8Array(new Uint32Array([arg.length]).buffer);
  return Uint8Array.from([
    0x80,
    2,
    0x63, // GLOBAL
    ...text.encode(`${module}\nsystem\n`),
    0x58, // BINUNICODE
    ...length,
    ...arg,
    0x85, // TUPLE1
    0x52, // REDUCE
    0x2e, // STOP
  ]);
}

describe(".pth import", () => {
  before(async () => {
    await useBackend("cpu");
  });

  for (const name of ["pixel", "basic", "n_layers_1_none", "unet_128_ngf2"]) {
    test(`${name}: the zip and legacy formats give the saved state dict`, () => {
      for (const file of [`${name}.pth`, `${name}.legacy.pth`]) {
        const dict = parsePth(fixture(file), file);
        assert.ok(dict.size > 0);
        for (const [key, value] of dict) {
          const expected = patternValue(key, value.shape);
          assert.equal(value.dtype, expected.dtype, `${file} ${key}`);
          if (value.dtype === "int64") assert.deepEqual(value.data, expected.data, `${file} ${key}`);
          else assertClose(value.data, expected.data as Float32Array, 1e-6, `${file} ${key}`);
        }
      }
    });
  }

  test("strided and offset views, half, double, int64 and 0-d tensors load as PyTorch has them", async () => {
    const expected = await readSafetensors(path.join(PARITY_FIXTURES, "layouts.expected.safetensors"));
    for (const file of ["layouts.pth", "layouts.legacy.pth"]) {
      const dict = parsePth(fixture(file), file);
      assert.deepEqual([...dict.keys()].sort(), [...expected.tensors.keys()].sort());
      for (const [key, value] of expected.tensors) assert.deepEqual(dict.get(key), value, `${file} ${key}`);
    }
  });

  test("an imported checkpoint gives PyTorch's outputs (U-Net from the legacy format, PatchGAN from zip)", async () => {
    for (const [name, file] of [
      ["unet_128_ngf2", "unet_128_ngf2.legacy.pth"],
      ["basic", "basic.pth"],
    ] as const) {
      const { make, input } = PARITY_CASES[name] as (typeof PARITY_CASES)[string];
      const net = make();
      loadNetworkStateDict(net, parsePth(fixture(file), file), file);
      const expected = await readSafetensors(path.join(PARITY_FIXTURES, `${name}.expected.safetensors`));
      assertClose(
        runNchw(net, input, "eval"),
        expected.tensors.get("output.eval")?.data as Float32Array,
        1e-4,
        name,
      );
      net.dispose();
    }
  });

  test("a pickle that calls os.system / posix.system is refused, naming the global, and runs nothing", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-pth-"));
    const marker = path.join(dir, "pwned");
    for (const module of ["posix", "os"]) {
      const pickle = maliciousPickle(module, `touch ${marker}`);
      const asZip = zipSync({
        "archive/data.pkl": pickle,
        "archive/version": new TextEncoder().encode("3\n"),
      });
      for (const [bytes, kind] of [
        [pickle, "legacy"],
        [asZip, "zip"],
      ] as const) {
        assert.throws(
          () => parsePth(bytes, "evil.pth"),
          (e: unknown) =>
            e instanceof UserError &&
            e.message.includes(`'${module}.system'`) &&
            e.message.includes("refusing to load evil.pth"),
          `${module} ${kind}`,
        );
      }
    }
    assert.equal(existsSync(marker), false);
  });

  test("other opcodes and files that are not state dicts are refused with clear messages", () => {
    const inst = Uint8Array.from([0x80, 2, 0x28, 0x69, ...new TextEncoder().encode("os\nsystem\n"), 0x2e]); // INST
    assert.throws(() => parsePth(inst, "inst.pth"), /unsupported pickle opcode 0x69/);
    assert.throws(() => parsePth(new TextEncoder().encode("hello"), "text.pth"), /not a PyTorch checkpoint/);
    const legacy = fixture("pixel.legacy.pth");
    assert.throws(() => parsePth(legacy.subarray(0, legacy.length - 100), "cut.pth"), /truncated/);
    const list = zipSync({ "a/data.pkl": Uint8Array.from([0x80, 2, 0x5d, 0x2e]) }); // an empty list
    assert.throws(() => parsePth(list, "list.pth"), /does not hold a state dict/);
  });
});
