/**
 * Options that many commands share, declared once (the reference's BaseOptions): a command composes
 * the groups it uses, so each option has one name, one default and one help text everywhere.
 */
import { BACKEND_CHOICES } from "../backend.ts";
import { option } from "./schema.ts";

/** Which run: its checkpoints, options, log and report live in <checkpoints-dir>/<name>/. */
export const runOptions = {
  name: option.string("experiment_name", "name of the run: its files go to <checkpoints-dir>/<name>"),
  "checkpoints-dir": option.string(
    "./checkpoints",
    "where runs keep their checkpoints, logs and reports",
    "dir",
  ),
} as const;

export const seedOption = {
  seed: option.int(0, "seed of all randomness (init, data order, crops, flips, dropout masks)", { min: 0 }),
} as const;

export const backendOption = {
  backend: option.enum(BACKEND_CHOICES, "auto", "tfjs backend (auto: the fastest available)"),
} as const;
