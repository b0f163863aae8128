import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCli } from "../../test/cli-helpers.ts";
import { dataOptions } from "../data/options.ts";
import { UserError } from "../errors.ts";
import { backendOption, runOptions, seedOption } from "../options/common.ts";
import { commandHelp, parseCommandLine } from "./command.ts";
import { commands } from "./commands/index.ts";

const loaded = await Promise.all(commands.map(async (entry) => ({ entry, command: await entry.load() })));

// Every command's schema is checked in this process (loading a command costs a second of CPU, so a
// process per option would take minutes); the real executable is run for what only it does.
describe("every registered command", () => {
  test("help lists each option with its default and allowed values", () => {
    for (const { entry, command } of loaded) {
      const help = commandHelp(entry, command);
      assert.ok(help.startsWith(`usage: pix2pix ${entry.name} `), entry.name);
      for (const [flag, spec] of Object.entries(command.options)) {
        assert.match(help, new RegExp(`--${flag}\\b`), `${entry.name} --${flag}`);
        if (spec.kind !== "flag" && spec.default !== undefined) {
          assert.ok(help.includes(`(default: ${spec.default})`), `${entry.name} --${flag} default`);
        }
        if (spec.kind === "enum") assert.ok(help.includes(spec.values.join("|")), `${entry.name} --${flag}`);
      }
    }
  });

  test("a wrong enum value names the option and every allowed value", () => {
    let enums = 0;
    for (const { entry, command } of loaded) {
      for (const [flag, spec] of Object.entries(command.options)) {
        if (spec.kind !== "enum") continue;
        enums++;
        assert.throws(
          () => parseCommandLine(entry.name, command, [`--${flag}`, "nope"]),
          (e: unknown) =>
            e instanceof UserError &&
            e.message.includes(`--${flag}`) &&
            e.message.includes(spec.values.join(", ")),
          `${entry.name} --${flag}`,
        );
      }
    }
    assert.ok(enums >= 10, `only ${enums} enum options found`);
  });

  test("unknown options are refused, naming the option and the command", () => {
    for (const { entry, command } of loaded) {
      assert.throws(
        () => parseCommandLine(entry.name, command, ["--frobnicate"]),
        new RegExp(`unknown option '--frobnicate' for 'pix2pix ${entry.name}'`),
      );
    }
  });
});

describe("shared options", () => {
  const byName = new Map(loaded.map(({ entry, command }) => [entry.name, command.options]));

  test("are the one declaration wherever a command takes them", () => {
    const shared = {
      ...runOptions,
      ...seedOption,
      ...backendOption,
      "num-threads": dataOptions["num-threads"],
    };
    let uses = 0;
    for (const [name, options] of byName) {
      for (const [flag, spec] of Object.entries(shared)) {
        const own = options[flag];
        if (own === undefined) continue;
        uses++;
        // the demo names its run "demo": the same option with another default
        assert.deepEqual({ ...own, default: spec.default }, { ...spec }, `${name} --${flag}`);
        if (!(name === "demo" && flag === "name")) assert.equal(own, spec, `${name} --${flag}`);
      }
    }
    assert.ok(uses >= 15, `only ${uses} uses of shared options`);
  });

  test("a command lists only the options it uses", () => {
    const generatorOnly = ["translate", "test"];
    for (const name of generatorOnly) {
      const flags = Object.keys(byName.get(name) ?? {});
      for (const flag of ["netD", "ndf", "n-layers-D", "init-type", "init-gain", "lambda-L1", "no-flip"]) {
        assert.ok(!flags.includes(flag), `${name} lists --${flag}`);
      }
      assert.ok(flags.includes("netG") && flags.includes("ngf"), name);
    }
    assert.ok(!Object.keys(byName.get("import") ?? {}).includes("init-type"), "import lists --init-type");
  });

  test("a required option left out is named", () => {
    const translate = loaded.find(({ entry }) => entry.name === "translate");
    assert.ok(translate);
    assert.throws(
      () => parseCommandLine("translate", translate.command, ["--output", "out.png", "in.png"]),
      /missing option --model/,
    );
    const combine = loaded.find(({ entry }) => entry.name === "datasets combine");
    assert.ok(combine);
    assert.throws(
      () => parseCommandLine("datasets combine", combine.command, ["--a", "A", "--b", "B"]),
      /missing option --out/,
    );
  });
});

describe("the pix2pix executable", () => {
  test("--help lists every registered command", () => {
    const { status, stdout } = runCli(["--help"]);
    assert.equal(status, 0);
    for (const { name } of commands) assert.match(stdout, new RegExp(`^  ${name}\\b`, "m"));
  });

  test("--version prints the package version", () => {
    const { status, stdout } = runCli(["--version"]);
    assert.equal(status, 0);
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  test("a wrong enum value prints the option and the allowed values, exits 2, no stack trace", () => {
    const { status, stderr } = runCli(["train", "--netG", "nope"]);
    assert.equal(status, 2);
    assert.match(stderr, /^pix2pix: error: option --netG got 'nope'; allowed values: unet_256, /m);
    assert.match(stderr, /^hint: /m);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  });

  test("a command's --help comes from its schema", () => {
    const { status, stdout } = runCli(["train", "--help"]);
    assert.equal(status, 0);
    assert.match(stdout, /--lambda-L1 <number> .*\(default: 100\)/);
  });

  test("unknown options, commands and subcommands are refused with a hint", () => {
    const unknownOption = runCli(["env", "--frobnicate"]);
    assert.equal(unknownOption.status, 2);
    assert.match(unknownOption.stderr, /unknown option '--frobnicate'/);
    assert.match(unknownOption.stderr, /hint: see 'pix2pix env --help'/);
    const unknownCommand = runCli(["frobnicate"]);
    assert.equal(unknownCommand.status, 2);
    assert.match(unknownCommand.stderr, /unknown command 'frobnicate'/);
    const unknownSubcommand = runCli(["datasets", "frobnicate"]);
    assert.equal(unknownSubcommand.status, 2);
    assert.match(unknownSubcommand.stderr, /unknown subcommand 'frobnicate' for 'pix2pix datasets'/);
  });

  test("env reports the backend in JSON", () => {
    const { status, stdout } = runCli(["env", "--format", "json", "--backend", "cpu"]);
    assert.equal(status, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.backend, "cpu");
    assert.equal(report.tfjs, "4.22.0");
  });
});
