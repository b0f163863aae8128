/**
 * Typed option schemas. A command's options are declared once, keyed by their flag name as the user
 * types it (`n-layers-D`); parsing, validation, defaults, `--help` and the library's option types all
 * derive from that declaration. Values are keyed by the camel-cased name (`nLayersD`).
 * Nothing here needs Node, so the browser studio can share schemas.
 */
import { UserError } from "../errors.ts";

interface SpecBase {
  readonly help: string;
}
export interface EnumSpec<V extends string = string> extends SpecBase {
  readonly kind: "enum";
  readonly values: readonly V[];
  readonly default: V;
}
export interface NumberSpec extends SpecBase {
  readonly kind: "int" | "float";
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
}
/**
 * A string; `default: undefined` makes the option optional (the value type then admits undefined), and
 * `required` makes leaving it out an error that names it (the value type is then string).
 */
export interface StringSpec<D extends string | undefined = string | undefined> extends SpecBase {
  readonly kind: "string";
  readonly default: D;
  readonly required?: true;
  readonly placeholder: string;
  /** A one-letter alias (`-o` for `--output`). */
  readonly short?: string;
}
/** A boolean switch, off unless given. */
export interface FlagSpec extends SpecBase {
  readonly kind: "flag";
}
export type OptionSpec = EnumSpec | NumberSpec | StringSpec | FlagSpec;
export type OptionSchema = Readonly<Record<string, OptionSpec>>;

/** `n-layers-D` → `nLayersD`, `lambda-L1` → `lambdaL1`, `netG` → `netG`. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

type ValueOf<S extends OptionSpec> =
  S extends EnumSpec<infer V>
    ? V
    : S extends NumberSpec
      ? number
      : S extends StringSpec<infer D>
        ? D extends string
          ? string
          : S extends { readonly required: true }
            ? string
            : string | undefined
        : boolean;

export type OptionValues<S extends OptionSchema> = {
  -readonly [K in keyof S & string as CamelCase<K>]: ValueOf<S[K]>;
};

export const option = {
  enum: <const V extends string>(
    values: readonly V[],
    defaultValue: NoInfer<V>,
    help: string,
  ): EnumSpec<V> => ({
    kind: "enum",
    values,
    default: defaultValue,
    help,
  }),
  int: (defaultValue: number, help: string, range: { min?: number; max?: number } = {}): NumberSpec => ({
    kind: "int",
    default: defaultValue,
    help,
    ...range,
  }),
  float: (defaultValue: number, help: string, range: { min?: number; max?: number } = {}): NumberSpec => ({
    kind: "float",
    default: defaultValue,
    help,
    ...range,
  }),
  string: <const D extends string | undefined>(
    defaultValue: D,
    help: string,
    placeholder = "value",
    short?: string,
  ): StringSpec<D> => ({
    kind: "string",
    default: defaultValue,
    help,
    placeholder,
    ...(short ? { short } : {}),
  }),
  /** A string the command cannot do without: leaving it out is an error naming the option. */
  required: (
    help: string,
    placeholder = "value",
    short?: string,
  ): StringSpec<undefined> & { readonly required: true } => ({
    kind: "string",
    default: undefined,
    required: true,
    help,
    placeholder,
    ...(short ? { short } : {}),
  }),
  flag: (help: string): FlagSpec => ({ kind: "flag", help }),
};

export function camelCase(flag: string): string {
  return flag.replace(/-(.)/g, (_, c: string) => c.toUpperCase());
}

/** Every option's default value. */
export function defaults<S extends OptionSchema>(schema: S): OptionValues<S> {
  const values: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(schema)) {
    values[camelCase(flag)] = spec.kind === "flag" ? false : spec.default;
  }
  return values as OptionValues<S>;
}

function checkRange(flag: string, spec: NumberSpec, value: number): number {
  const integral = spec.kind === "int";
  if (!Number.isFinite(value) || (integral && !Number.isInteger(value))) {
    throw new UserError(`option --${flag} must be ${integral ? "an integer" : "a number"}, got ${value}`);
  }
  if (spec.min !== undefined && value < spec.min) {
    throw new UserError(`option --${flag} must be at least ${spec.min}, got ${value}`);
  }
  if (spec.max !== undefined && value > spec.max) {
    throw new UserError(`option --${flag} must be at most ${spec.max}, got ${value}`);
  }
  return value;
}

function enumError(flag: string, spec: EnumSpec, value: unknown): UserError {
  return new UserError(
    `option --${flag} got '${String(value)}'; allowed values: ${spec.values.join(", ")}`,
    `for example --${flag} ${spec.default}`,
  );
}

/** Converts one command-line string to the option's type, naming the option when it cannot. */
export function parseValue(flag: string, spec: OptionSpec, raw: string | boolean): unknown {
  switch (spec.kind) {
    case "flag":
      return raw === true;
    case "enum":
      if (!spec.values.includes(String(raw))) throw enumError(flag, spec, raw);
      return raw;
    case "int":
    case "float": {
      const text = String(raw).trim();
      if (text === "" || Number.isNaN(Number(text))) {
        throw new UserError(`option --${flag} must be a number, got '${String(raw)}'`);
      }
      return checkRange(flag, spec, Number(text));
    }
    case "string":
      return String(raw);
  }
}

/** Checks an already-typed value (from the library API or a saved run's options). */
function checkValue(flag: string, spec: OptionSpec, value: unknown): unknown {
  switch (spec.kind) {
    case "flag":
      if (typeof value !== "boolean") throw new UserError(`option --${flag} must be true or false`);
      return value;
    case "enum":
      if (typeof value !== "string" || !spec.values.includes(value)) throw enumError(flag, spec, value);
      return value;
    case "int":
    case "float":
      if (typeof value !== "number") throw new UserError(`option --${flag} must be a number, got ${value}`);
      return checkRange(flag, spec, value);
    case "string":
      if (value === undefined && spec.default === undefined) return undefined;
      if (typeof value !== "string") throw new UserError(`option --${flag} must be a string`);
      return value;
  }
}

/**
 * Fills defaults and validates typed values, as a library caller or a config file gives them.
 * Unknown keys are refused, naming the known ones.
 */
export function resolveOptions<S extends OptionSchema>(
  schema: S,
  given: Partial<OptionValues<S>> = {},
): OptionValues<S> {
  const byKey = new Map(Object.entries(schema).map(([flag, spec]) => [camelCase(flag), { flag, spec }]));
  const values: Record<string, unknown> = defaults(schema);
  for (const [key, value] of Object.entries(given)) {
    const entry = byKey.get(key);
    if (!entry) {
      throw new UserError(`unknown option '${key}'`, `known options: ${[...byKey.keys()].join(", ")}`);
    }
    if (value !== undefined) values[key] = checkValue(entry.flag, entry.spec, value);
  }
  for (const [flag, spec] of Object.entries(schema)) {
    if (spec.kind === "string" && spec.required && !values[camelCase(flag)]) {
      throw new UserError(`missing option --${flag}`, `--${flag} <${spec.placeholder}>: ${spec.help}`);
    }
  }
  return values as OptionValues<S>;
}

function describe(flag: string, spec: OptionSpec): string {
  switch (spec.kind) {
    case "flag":
      return `--${flag}`;
    case "enum":
      return `--${flag} <${spec.values.join("|")}>`;
    case "int":
      return `--${flag} <int>`;
    case "float":
      return `--${flag} <number>`;
    case "string":
      return `${spec.short ? `-${spec.short}, ` : ""}--${flag} <${spec.placeholder}>`;
  }
}

function defaultNote(spec: OptionSpec): string {
  if (spec.kind === "string" && spec.required) return " (required)";
  if (spec.kind === "flag" || spec.default === undefined) return "";
  return ` (default: ${spec.default})`;
}

/** One line per option: the flag, its value form, its help and its default; `extra` rows go last. */
export function formatOptionsHelp(schema: OptionSchema, extra: readonly [string, string][] = []): string {
  const rows = [
    ...Object.entries(schema).map(([flag, spec]) => [describe(flag, spec), spec.help + defaultNote(spec)]),
    ...extra,
  ];
  const width = Math.min(44, Math.max(0, ...rows.map(([left]) => left?.length ?? 0)));
  return rows
    .map(([left = "", right = ""]) =>
      left.length > width
        ? `  ${left}\n  ${" ".repeat(width)}  ${right}`
        : `  ${left.padEnd(width)}  ${right}`,
    )
    .join("\n");
}
