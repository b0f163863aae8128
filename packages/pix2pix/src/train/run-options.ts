/** A run's options: as given for a new run; from its checkpoint, with a few overrides, for --continue. */
import path from "node:path";
import { defaults, resolveOptions } from "../options/schema.ts";
import { readRunState } from "./checkpoint.ts";
import { type TrainOptions, trainOptions } from "./options.ts";

/**
 * Options a resumed run takes from the command line when given there (a value other than the default);
 * every other option comes from the checkpoint, so `--continue --name x` alone resumes run x as it was.
 */
const RESUME_OVERRIDES = [
  "dataroot",
  "lr",
  "nEpochs",
  "nEpochsDecay",
  "saveEpochFreq",
  "saveLatestFreq",
  "printFreq",
  "displayFreq",
  "backend",
  "numThreads",
  "continue",
  "epoch",
] as const satisfies readonly (keyof TrainOptions)[];

export async function resolveRunOptions(
  given: Partial<TrainOptions>,
): Promise<{ options: TrainOptions; dir: string }> {
  const requested = resolveOptions(trainOptions, given);
  const dir = path.join(requested.checkpointsDir, requested.name);
  if (!requested.continue) return { options: requested, dir };
  const saved = (await readRunState(dir, requested.epoch)).options as Partial<TrainOptions>;
  const fallback = defaults(trainOptions);
  const overrides = Object.fromEntries(
    RESUME_OVERRIDES.filter((key) => requested[key] !== fallback[key]).map((key) => [key, requested[key]]),
  );
  return { options: resolveOptions(trainOptions, { ...saved, ...overrides }), dir };
}
