/** The architecture read from weights (models/detect.ts) is the one that made them, for every generator and norm. */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { networkStateDict } from "../io/state-dict.ts";
import { NORMS } from "../nn/layers.ts";
import { detectGenerator } from "./detect.ts";
import { createDiscriminator, createGenerator, discriminatorConfig, generatorConfig } from "./index.ts";
import { GENERATORS } from "./options.ts";

before(async () => {
  await useBackend("cpu");
});

test("netG, ngf, norm and the channels come back from the state dict of every generator", () => {
  for (const netG of GENERATORS) {
    for (const norm of NORMS) {
      const made = { netG, ngf: 3, norm, inputNc: 1, outputNc: 3 };
      const g = createGenerator(generatorConfig({ ...made, noDropout: false }, 1, 3), null);
      try {
        assert.deepEqual(
          detectGenerator(networkStateDict(g)),
          { ...made, noDropout: false },
          `${netG} ${norm}`,
        );
      } finally {
        g.dispose();
      }
    }
  }
});

test("a discriminator's weights are refused by name, not misread as a generator", () => {
  const options = {
    netD: "basic",
    ndf: 2,
    nLayersD: 3,
    unconditionalD: false,
    netG: "unet_128",
    ngf: 2,
    norm: "batch",
    noDropout: false,
  } as const;
  const d = createDiscriminator(discriminatorConfig(options, 3, 3), null);
  try {
    assert.throws(
      () => detectGenerator(networkStateDict(d), {}, "d.pth"),
      (e: unknown) => e instanceof UserError && /^d\.pth is not a pix2pix generator/.test(e.message),
    );
  } finally {
    d.dispose();
  }
});
