import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UserError } from "../errors.ts";
import { defaults, formatOptionsHelp, option, parseValue, resolveOptions } from "./schema.ts";

const schema = {
  netG: option.enum(["unet_256", "unet_128", "resnet_9blocks"], "unet_256", "generator architecture"),
  "n-layers-D": option.int(3, "discriminator layers", { min: 1 }),
  "lambda-L1": option.float(100, "weight of the L1 term", { min: 0 }),
  dataroot: option.string(undefined, "dataset folder", "dir"),
  "no-flip": option.flag("do not flip images"),
};

describe("option schema", () => {
  test("defaults are keyed by the camel-cased flag name", () => {
    assert.deepEqual(defaults(schema), {
      netG: "unet_256",
      nLayersD: 3,
      lambdaL1: 100,
      dataroot: undefined,
      noFlip: false,
    });
  });

  test("a bad enum value names the option and every allowed value", () => {
    assert.throws(
      () => parseValue("netG", schema.netG, "nope"),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.includes("--netG") &&
        e.message.includes("'nope'") &&
        e.message.includes("unet_256, unet_128, resnet_9blocks"),
    );
  });

  test("numbers are parsed, and non-numbers, fractions for ints and out-of-range values refused", () => {
    assert.equal(parseValue("n-layers-D", schema["n-layers-D"], "5"), 5);
    assert.equal(parseValue("lambda-L1", schema["lambda-L1"], "10.5"), 10.5);
    assert.throws(
      () => parseValue("n-layers-D", schema["n-layers-D"], "abc"),
      /--n-layers-D must be a number/,
    );
    assert.throws(
      () => parseValue("n-layers-D", schema["n-layers-D"], "2.5"),
      /--n-layers-D must be an integer/,
    );
    assert.throws(
      () => parseValue("n-layers-D", schema["n-layers-D"], "0"),
      /--n-layers-D must be at least 1/,
    );
    assert.throws(() => parseValue("lambda-L1", schema["lambda-L1"], ""), /--lambda-L1 must be a number/);
  });

  test("resolveOptions fills defaults, checks typed values and refuses unknown keys", () => {
    const resolved = resolveOptions(schema, { netG: "unet_128", lambdaL1: 10 });
    assert.equal(resolved.netG, "unet_128");
    assert.equal(resolved.lambdaL1, 10);
    assert.equal(resolved.nLayersD, 3);
    assert.throws(
      () => resolveOptions(schema, { netG: "unet_64" as "unet_128" }),
      /allowed values: unet_256/,
    );
    assert.throws(() => resolveOptions(schema, { nLayersD: -1 }), /--n-layers-D must be at least 1/);
    assert.throws(() => resolveOptions(schema, { ngf: 8 } as object), /unknown option 'ngf'/);
  });

  test("help lists every option with its default and allowed values", () => {
    const help = formatOptionsHelp(schema);
    for (const flag of Object.keys(schema)) assert.match(help, new RegExp(`--${flag}\\b`));
    assert.match(help, /<unet_256\|unet_128\|resnet_9blocks>/);
    assert.match(help, /\(default: unet_256\)/);
    assert.match(help, /\(default: 3\)/);
    assert.match(help, /\(default: 100\)/);
  });

  test("a required option left out is an error naming it; help marks it required", () => {
    const withRequired = {
      model: option.required("generator weights", "file"),
      ngf: option.int(64, "filters"),
    };
    assert.throws(
      () => resolveOptions(withRequired, { ngf: 8 }),
      (e: unknown) => e instanceof UserError && /^missing option --model\b/.test(e.message),
    );
    assert.throws(() => resolveOptions(withRequired, { model: "" }), /missing option --model/);
    assert.equal(resolveOptions(withRequired, { model: "g.safetensors" }).model, "g.safetensors");
    assert.match(formatOptionsHelp(withRequired), /--model <file>\s+generator weights \(required\)/);
  });
});
