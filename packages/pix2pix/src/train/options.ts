/**
 * `pix2pix train`'s options: the run, seed and backend options of every command, plus what a training
 * session itself takes (session-options.ts, shared with the browser's training).
 */
import { backendOption, runOptions, seedOption } from "../options/common.ts";
import type { OptionValues } from "../options/schema.ts";
import { sessionOptions } from "./session-options.ts";

export const trainOptions = {
  ...runOptions,
  ...sessionOptions,
  ...seedOption,
  ...backendOption,
} as const;

export type TrainOptions = OptionValues<typeof trainOptions>;
