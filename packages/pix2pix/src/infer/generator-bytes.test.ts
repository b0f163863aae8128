/**
 * A generator from a file's bytes alone: its architecture is read from the weights (every netG, every
 * norm, any channels), it computes what the saved network computed, and a file that is no generator,
 * or is hostile, is a UserError with a message to show.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { zipSync } from "fflate";
import { PARITY_FIXTURES } from "../../test/parity.ts";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { encodeSafetensors } from "../io/safetensors-codec.ts";
import { networkStateDict } from "../io/state-dict.ts";
import { createDiscriminator, createGenerator, generatorConfig } from "../models/index.ts";
import type { GeneratorName } from "../models/options.ts";
import type { NormName } from "../nn/layers.ts";
import type { Network } from "../nn/network.ts";
import { Rng } from "../random.ts";
import { generatorFromBytes } from "./generator-bytes.ts";

const outputOf = (g: Network, size: number, inputNc: number) =>
  tf.tidy(() => {
    const x = tf.randomUniform([1, size, size, inputNc], -1, 1, "float32", 7);
    return g.apply(x as tf.Tensor4D, "eval", Rng.fromSeed(0)).dataSync() as Float32Array;
  });

describe("generatorFromBytes", () => {
  before(async () => {
    await useBackend("cpu");
  });

  const cases: [GeneratorName, NormName, number, number, number][] = [
    ["unet_128", "batch", 3, 3, 128],
    ["unet_256", "none", 1, 3, 256],
    ["resnet_6blocks", "instance", 3, 1, 16],
    ["resnet_9blocks", "batch", 3, 3, 16],
  ];
  for (const [netG, norm, inputNc, outputNc, size] of cases) {
    test(`${netG} ${norm} ${inputNc}→${outputNc}: its architecture from the weights, the same outputs`, () => {
      const o = { netG, ngf: 2, norm, noDropout: true };
      const saved = createGenerator(generatorConfig(o, inputNc, outputNc), Rng.fromSeed(3));
      const bytes = encodeSafetensors(networkStateDict(saved), { noDropout: "true" });
      const { g, architecture } = generatorFromBytes(bytes, "g.safetensors");
      assert.deepEqual(architecture, { ...o, inputNc, outputNc });
      assert.deepEqual(outputOf(g, size, inputNc), outputOf(saved, size, inputNc));
      g.dispose();
      saved.dispose();
    });
  }

  test("a reference .pth loads as what it is (unet_128, ngf 2); without metadata, dropout stays on", () => {
    const file = "unet_128_ngf2.pth";
    const { g, architecture } = generatorFromBytes(readFileSync(path.join(PARITY_FIXTURES, file)), file);
    assert.deepEqual(architecture, {
      netG: "unet_128",
      ngf: 2,
      norm: "batch",
      noDropout: false,
      inputNc: 3,
      outputNc: 3,
    });
    g.dispose();
  });

  test("a name that says nothing: the bytes tell a zip or a legacy torch.save from a safetensors", () => {
    for (const file of ["unet_128_ngf2.pth", "unet_128_ngf2.legacy.pth"]) {
      const { g, architecture } = generatorFromBytes(
        readFileSync(path.join(PARITY_FIXTURES, file)),
        "weights.bin",
      );
      g.dispose();
      assert.equal(architecture.netG, "unet_128", file);
    }
  });

  test("a discriminator, a hostile pickle and broken files are UserErrors that say what is wrong", () => {
    const d = createDiscriminator(
      { netD: "basic", ndf: 2, nLayersD: 3, norm: "batch", inputNc: 6, initType: "normal", initGain: 0.02 },
      Rng.fromSeed(1),
    );
    const dBytes = encodeSafetensors(networkStateDict(d));
    d.dispose();
    const evil = Uint8Array.from([
      0x80,
      2,
      0x63,
      ...new TextEncoder().encode("os\nsystem\n"),
      0x58,
      2,
      0,
      0,
      0,
      0x6c,
      0x73, // "ls"
      0x85,
      0x52,
      0x2e,
    ]);
    const header = new TextEncoder().encode(JSON.stringify({ "model.1.weight": null }));
    const nullEntry = Uint8Array.from([header.length, 0, 0, 0, 0, 0, 0, 0, ...header]);
    const refused: [Uint8Array, string, RegExp][] = [
      [dBytes, "latest_net_D.safetensors", /not a pix2pix generator/],
      [evil, "evil.pth", /refusing to load evil\.pth.*'os\.system'|'os\.system'.*refusing/],
      [zipSync({ "archive/data.pkl": evil }), "evil.bin", /'os\.system'/],
      [
        new TextEncoder().encode("hello"),
        "notes.safetensors",
        /notes\.safetensors is not a valid safetensors/,
      ],
      [nullEntry, "null.safetensors", /null\.safetensors is not a valid safetensors/],
      [Uint8Array.from([0x80, 2, 0x7d]), "cut.pth", /cut\.pth/],
      [new Uint8Array(16), "exported.onnx", /exported\.onnx is an ONNX model/],
    ];
    for (const [bytes, name, message] of refused) {
      assert.throws(
        () => generatorFromBytes(bytes, name),
        (e: unknown) => e instanceof UserError && message.test(e.message),
        name,
      );
    }
    const hinted = (() => {
      try {
        generatorFromBytes(dBytes, "latest_net_D.safetensors");
      } catch (e) {
        return (e as UserError).hint;
      }
    })();
    assert.match(hinted ?? "", /discriminator/);
  });
});
