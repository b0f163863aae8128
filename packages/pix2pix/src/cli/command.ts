/**
 * A CLI command: its options schema, its positional arguments, and what it does. Its name and summary
 * live in the registry (commands/index.ts), which loads a command's module only when it is used.
 */
import { parseArgs } from "node:util";
import { UserError } from "../errors.ts";
import {
  camelCase,
  formatOptionsHelp,
  type OptionSchema,
  type OptionValues,
  parseValue,
  resolveOptions,
} from "../options/schema.ts";

export interface Positional {
  readonly name: string;
  readonly help: string;
  /** How many values it takes: exactly one, zero or one, or one or more. */
  readonly arity: "one" | "optional" | "many";
}

export interface Command<S extends OptionSchema = OptionSchema> {
  readonly options: S;
  readonly positionals: readonly Positional[];
  /** Extra help text after the options (examples). */
  readonly examples?: readonly string[];
  /** `given` holds only the options typed on the command line (`options` adds the defaults). */
  run(options: OptionValues<S>, positionals: string[], given: Partial<OptionValues<S>>): Promise<void> | void;
}

/**
 * A registry entry: what `pix2pix --help` shows, and how to load the rest. A command's module pulls in
 * what it runs on (tfjs, sharp, the native backend), so only the command in use is loaded.
 */
export interface CommandEntry {
  /** One word, or two for a group's subcommand ("datasets check"). */
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/** Keeps each command's option types tied to its schema. */
export function defineCommand<const S extends OptionSchema>(command: Command<S>): Command<S> {
  return command;
}

function positionalUsage(p: Positional): string {
  if (p.arity === "optional") return `[${p.name}]`;
  if (p.arity === "many") return `<${p.name}...>`;
  return `<${p.name}>`;
}

export function commandHelp(entry: CommandEntry, command: Command): string {
  const usage = ["pix2pix", entry.name, "[options]", ...command.positionals.map(positionalUsage)].join(" ");
  const parts = [`usage: ${usage}`, "", entry.summary];
  if (command.positionals.length > 0) {
    parts.push("", "arguments:", ...command.positionals.map((p) => `  ${p.name.padEnd(12)}  ${p.help}`));
  }
  parts.push("", "options:", formatOptionsHelp(command.options, [["--help", "show this help"]]));
  if (command.examples?.length) parts.push("", "examples:", ...command.examples.map((e) => `  ${e}`));
  return parts.join("\n");
}

/** The help of a group of subcommands (commands named "group sub"): one line each. */
export function groupHelp(group: string, members: readonly CommandEntry[]): string {
  const width = Math.max(...members.map((c) => c.name.length - group.length - 1));
  return [
    `usage: pix2pix ${group} <subcommand> [options]`,
    "",
    "subcommands:",
    ...members.map((c) => `  ${c.name.slice(group.length + 1).padEnd(width)}  ${c.summary}`),
    "",
    `'pix2pix ${group} <subcommand> --help' lists a subcommand's options.`,
  ].join("\n");
}

/** The result of reading a command line: either a request for help or the typed values. */
export type ParsedCommandLine<S extends OptionSchema> =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly options: OptionValues<S>;
      readonly positionals: string[];
      readonly given: Partial<OptionValues<S>>;
    };

function argsError(commandName: string, error: unknown): UserError {
  const hint = `see 'pix2pix ${commandName} --help'`;
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const name = /'([^']+)'/.exec(message)?.[1] ?? message;
    return new UserError(`unknown option '${name}' for 'pix2pix ${commandName}'`, hint);
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const name = /'(--[^ ']+)/.exec(message)?.[1] ?? "an option";
    return new UserError(`option ${name} needs a value`, hint);
  }
  return new UserError(message.split("\n")[0] ?? message, hint);
}

function checkPositionals(commandName: string, command: Command, given: string[]): void {
  const hint = `see 'pix2pix ${commandName} --help'`;
  const min = command.positionals.filter((p) => p.arity !== "optional").length;
  const unbounded = command.positionals.some((p) => p.arity === "many");
  const missing = command.positionals.filter((p) => p.arity !== "optional")[given.length];
  if (given.length < min && missing) {
    throw new UserError(`missing argument <${missing.name}> for 'pix2pix ${commandName}'`, hint);
  }
  if (!unbounded && given.length > command.positionals.length) {
    const extra = given.slice(command.positionals.length).join(" ");
    throw new UserError(`unexpected argument '${extra}' for 'pix2pix ${commandName}'`, hint);
  }
}

export function parseCommandLine<S extends OptionSchema>(
  commandName: string,
  command: Command<S>,
  args: string[],
): ParsedCommandLine<S> {
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean" },
  };
  for (const [flag, spec] of Object.entries(command.options)) {
    config[flag] = spec.kind === "flag" ? { type: "boolean" } : { type: "string" };
    if (spec.kind === "string" && spec.short) config[flag].short = spec.short;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true });
  } catch (error) {
    throw argsError(commandName, error);
  }
  if (parsed.values.help) return { help: true };
  const typed: Record<string, unknown> = {};
  for (const [flag, raw] of Object.entries(parsed.values)) {
    const spec = command.options[flag];
    if (spec === undefined || raw === undefined) continue;
    if (Array.isArray(raw)) throw new UserError(`option --${flag} was given more than once`);
    typed[camelCase(flag)] = parseValue(flag, spec, raw);
  }
  checkPositionals(commandName, command, parsed.positionals);
  const given = typed as Partial<OptionValues<S>>;
  const options = resolveOptions(command.options, given);
  return { help: false, options, positionals: parsed.positionals, given };
}
