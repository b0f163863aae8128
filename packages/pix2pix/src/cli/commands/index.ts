/** Every CLI command, registered in this one place, in the order `pix2pix --help` lists them. */
import type { Command } from "../command.ts";
import { envCommand } from "./env.ts";
import { trainCommand } from "./train.ts";

export const commands: readonly Command[] = [envCommand, trainCommand];
