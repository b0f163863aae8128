/** Every CLI command, registered in this one place, in the order `pix2pix --help` lists them. */
import type { Command } from "../command.ts";
import { benchCommand } from "./bench.ts";
import { datasetsCommands } from "./datasets.ts";
import { demoCommand } from "./demo.ts";
import { envCommand } from "./env.ts";
import { importCommand } from "./import.ts";
import { testCommand } from "./test.ts";
import { trainCommand } from "./train.ts";
import { translateCommand } from "./translate.ts";

export const commands: readonly Command[] = [
  demoCommand,
  envCommand,
  benchCommand,
  ...datasetsCommands,
  trainCommand,
  testCommand,
  translateCommand,
  importCommand,
];
