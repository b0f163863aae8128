import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCli } from "../../test/cli-helpers.ts";
import { commands } from "./commands/index.ts";

describe("pix2pix CLI", () => {
  test("--help lists every registered command", () => {
    const { status, stdout } = runCli(["--help"]);
    assert.equal(status, 0);
    for (const command of commands) assert.match(stdout, new RegExp(`^  ${command.name}\\b`, "m"));
  });

  test("--version prints the package version", () => {
    const { status, stdout } = runCli(["--version"]);
    assert.equal(status, 0);
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  test("every command's help lists each of its options with its default", () => {
    for (const command of commands) {
      const { status, stdout } = runCli([command.name, "--help"]);
      assert.equal(status, 0, command.name);
      for (const [flag, spec] of Object.entries(command.options)) {
        assert.match(stdout, new RegExp(`--${flag}\\b`), `${command.name} --${flag}`);
        if (spec.kind !== "flag" && spec.default !== undefined) {
          assert.ok(stdout.includes(`(default: ${spec.default})`), `${command.name} --${flag} default`);
        }
      }
    }
  });

  test("a wrong enum value of any command names the option and the allowed values, exit 2, no stack", () => {
    for (const command of commands) {
      for (const [flag, spec] of Object.entries(command.options)) {
        if (spec.kind !== "enum") continue;
        const { status, stderr } = runCli([command.name, `--${flag}`, "nope"]);
        assert.equal(status, 2, `${command.name} --${flag}`);
        assert.match(stderr, new RegExp(`--${flag}`));
        assert.ok(stderr.includes(spec.values.join(", ")), `${command.name} --${flag}: ${stderr}`);
        assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
      }
    }
  });

  test("unknown options and unknown commands are refused with a hint", () => {
    const unknownOption = runCli(["env", "--frobnicate"]);
    assert.equal(unknownOption.status, 2);
    assert.match(unknownOption.stderr, /unknown option '--frobnicate'/);
    assert.match(unknownOption.stderr, /hint: see 'pix2pix env --help'/);
    const unknownCommand = runCli(["frobnicate"]);
    assert.equal(unknownCommand.status, 2);
    assert.match(unknownCommand.stderr, /unknown command 'frobnicate'/);
  });

  test("env reports the backend in JSON", () => {
    const { status, stdout } = runCli(["env", "--format", "json", "--backend", "cpu"]);
    assert.equal(status, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.backend, "cpu");
    assert.equal(report.tfjs, "4.22.0");
  });
});
