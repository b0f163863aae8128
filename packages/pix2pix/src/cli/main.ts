/** The `pix2pix` executable: dispatches to a command, and turns user errors into one line and exit 2. */
import { readFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import { type CommandEntry, commandHelp, groupHelp, parseCommandLine } from "./command.ts";
import { commands } from "./commands/index.ts";

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return String(manifest.version);
}

function globalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "usage: pix2pix <command> [options]",
    "",
    "pix2pix image-to-image translation (Isola et al., CVPR 2017) in TypeScript.",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "options:",
    "  --help     show this help, or a command's help with 'pix2pix <command> --help'",
    "  --version  print the version",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(globalHelp());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    console.log(version());
    return 0;
  }
  const group = commands.filter((c) => c.name.startsWith(`${name} `));
  if (group.length > 0) return runSubcommand(name, group, rest);
  const command = commands.find((c) => c.name === name);
  if (!command) {
    throw new UserError(
      `unknown command '${name}'`,
      `commands: ${commands.map((c) => c.name).join(", ")}; see 'pix2pix --help'`,
    );
  }
  return runCommand(command, rest);
}

async function runCommand(entry: CommandEntry, args: string[]): Promise<number> {
  const command = await entry.load();
  const parsed = parseCommandLine(entry.name, command, args);
  if (parsed.help) {
    console.log(commandHelp(entry, command));
    return 0;
  }
  await command.run(parsed.options, parsed.positionals, parsed.given);
  return 0;
}

/** `pix2pix datasets download ...`: a command named with two words, the first naming its group. */
async function runSubcommand(group: string, members: CommandEntry[], args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    console.log(groupHelp(group, members));
    return 0;
  }
  const command = members.find((c) => c.name === `${group} ${sub}`);
  if (!command) {
    throw new UserError(
      `unknown subcommand '${sub}' for 'pix2pix ${group}'`,
      `subcommands: ${members.map((c) => c.name.slice(group.length + 1)).join(", ")}; see 'pix2pix ${group} --help'`,
    );
  }
  return runCommand(command, rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UserError) {
    console.error(`pix2pix: error: ${error.message}`);
    if (error.hint) console.error(`hint: ${error.hint}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
