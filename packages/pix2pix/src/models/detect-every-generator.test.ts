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

/** pix2pix-tensorflow's generator has its batch norm only. */
const normsOf = (netG: string) => (netG === "unet_256_tf" ? (["batch"] as const) : NORMS);

test("netG, ngf, norm and the channels come back from the state dict of every generator", () => {
  for (const netG of GENERATORS) {
    for (const norm of normsOf(netG)) {
      const made = { netG, ngf: 3, norm, inputNc: 1, outputNc: 3 };
      // without metadata: the reference's dropout (on), none for pix2pix-tensorflow's generator
      const noDropout = netG === "unet_256_tf";
      const g = createGenerator(generatorConfig({ ...made, noDropout }, 1, 3), null);
      try {
        assert.deepEqual(detectGenerator(networkStateDict(g)), { ...made, noDropout }, `${netG} ${norm}`);
      } finally {
        g.dispose();
      }
    }
  }
});

test("unet_256_tf with another norm than batch is a UserError naming both", () => {
  for (const norm of ["instance", "none"] as const) {
    assert.throws(
      () =>
        createGenerator(generatorConfig({ netG: "unet_256_tf", ngf: 2, norm, noDropout: true }, 3, 3), null),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.includes(`unet_256_tf has pix2pix-tensorflow's batch norm only, not --norm ${norm}`),
    );
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
