/** The `pix2pix` executable: dispatches to a command, and turns user errors into one line and exit 2. */
import { readFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import { commandHelp, parseCommandLine } from "./command.ts";
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
  const command = commands.find((c) => c.name === name);
  if (!command) {
    throw new UserError(
      `unknown command '${name}'`,
      `commands: ${commands.map((c) => c.name).join(", ")}; see 'pix2pix --help'`,
    );
  }
  const parsed = parseCommandLine(command, rest);
  if (parsed.help) {
    console.log(commandHelp(command));
    return 0;
  }
  await command.run(parsed.options, parsed.positionals);
  return 0;
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
