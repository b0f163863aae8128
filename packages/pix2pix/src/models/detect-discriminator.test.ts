/**
 * A discriminator's architecture read from its weights (models/detect.ts): every netD, norm and layer
 * count we build, the reference's own .pth files (written by PyTorch from tools/torch_reference), and
 * the one pair weights cannot tell apart (keras and n_layers 4), which metadata or the caller decides.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { PARITY_FIXTURES } from "../../test/parity.ts";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { parsePth } from "../io/pth.ts";
import { networkStateDict } from "../io/state-dict.ts";
import { NORMS } from "../nn/layers.ts";
import { detectDiscriminator, detectGenerator } from "./detect.ts";
import { createDiscriminator, createGenerator, generatorConfig } from "./index.ts";
import { DISCRIMINATORS, type DiscriminatorName } from "./options.ts";

before(async () => {
  await useBackend("cpu");
});

function stateDictOf(
  netD: DiscriminatorName,
  ndf: number,
  nLayersD: number,
  norm: (typeof NORMS)[number],
  channels: number,
) {
  const d = createDiscriminator(
    { netD, ndf, nLayersD, norm, initType: "normal", initGain: 0.02, inputNc: channels },
    null,
  );
  try {
    return networkStateDict(d);
  } finally {
    d.dispose();
  }
}

test("netD, ndf, n_layers, norm and channels come back from the state dict of every discriminator", () => {
  for (const netD of DISCRIMINATORS) {
    for (const norm of NORMS) {
      for (const nLayersD of netD === "n_layers" ? [1, 2, 4, 5] : [3]) {
        const dict = stateDictOf(netD, 3, nLayersD, norm, 4);
        // keras has n_layers 4's keys and shapes: its file says which (our import writes netD)
        const metadata: Record<string, string> = netD === "keras" ? { netD: "keras" } : {};
        const layers = netD === "keras" ? 4 : nLayersD;
        assert.deepEqual(
          detectDiscriminator(dict, metadata),
          { netD, ndf: 3, nLayersD: layers, norm, channels: 4 },
          `${netD} ${nLayersD} ${norm}`,
        );
      }
    }
  }
});

test("keras and n_layers 4 hold the same keys and shapes: without a word, such weights read as n_layers 4", () => {
  const keras = stateDictOf("keras", 2, 3, "batch", 6);
  const nLayers = stateDictOf("n_layers", 2, 4, "batch", 6);
  const shapes = (dict: typeof keras) => [...dict].map(([k, v]) => `${k}:${v.shape}`);
  assert.deepEqual(shapes(keras), shapes(nLayers));
  assert.equal(detectDiscriminator(keras).netD, "n_layers");
  assert.equal(detectDiscriminator(keras, { netD: "keras" }).netD, "keras");
  assert.equal(
    detectDiscriminator(stateDictOf("n_layers", 2, 5, "batch", 6), { netD: "keras" }).netD,
    "n_layers",
  );
});

test("the reference's own discriminator files (torch.save from tools/torch_reference) read as what they are", () => {
  const cases: [string, object][] = [
    ["basic.pth", { netD: "basic", ndf: 8, nLayersD: 3, norm: "batch", channels: 6 }],
    ["n_layers_1_none.pth", { netD: "n_layers", ndf: 8, nLayersD: 1, norm: "none", channels: 4 }],
    ["pixel.legacy.pth", { netD: "pixel", ndf: 8, nLayersD: 3, norm: "batch", channels: 6 }],
  ];
  for (const [file, expected] of cases) {
    const dict = parsePth(readFileSync(path.join(PARITY_FIXTURES, file)), file);
    assert.deepEqual(detectDiscriminator(dict, {}, file), expected, file);
  }
});

test("a generator's weights are refused by name, not misread as a discriminator", () => {
  const g = createGenerator(
    generatorConfig({ netG: "resnet_6blocks", ngf: 2, norm: "instance", noDropout: true }, 3, 3),
    null,
  );
  const dict = networkStateDict(g);
  g.dispose();
  assert.equal(detectGenerator(dict).netG, "resnet_6blocks");
  assert.throws(
    () => detectDiscriminator(dict, {}, "g.pth"),
    (e: unknown) =>
      e instanceof UserError &&
      /^g\.pth is not a pix2pix discriminator/.test(e.message) &&
      /without --net D/.test(e.hint ?? ""),
  );
});
