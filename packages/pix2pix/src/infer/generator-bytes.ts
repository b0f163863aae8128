/**
 * A generator from a weights file's bytes, with no options: safetensors or a reference .pth (through
 * the restricted unpickler), its architecture read from the weights (models/detect.ts). What the
 * studio does with a dropped or downloaded file. Browser-safe.
 */
import { UserError } from "../errors.ts";
import { parsePth } from "../io/pth.ts";
import { decodeSafetensors, type SafetensorsContent, type StateDict } from "../io/safetensors-codec.ts";
import { dropInstanceNormStats, loadNetworkStateDict } from "../io/state-dict.ts";
import { type DetectedGenerator, detectGenerator } from "../models/detect.ts";
import { createGenerator, generatorConfig } from "../models/index.ts";
import type { Network } from "../nn/network.ts";

export interface LoadedGenerator {
  readonly g: Network;
  readonly architecture: DetectedGenerator;
  /** The safetensors file's metadata (none for .pth). */
  readonly metadata: Readonly<Record<string, string>>;
}

function isPth(bytes: Uint8Array, name: string): boolean {
  if (/\.pth?$/i.test(name)) return true;
  if (/\.safetensors$/i.test(name)) return false;
  return bytes[0] === 0x50 && bytes[1] === 0x4b; // "PK": torch.save's zip
}

function decode(bytes: Uint8Array, name: string): SafetensorsContent {
  const pth = isPth(bytes, name);
  try {
    return pth ? { tensors: parsePth(bytes, name), metadata: {} } : decodeSafetensors(bytes, name);
  } catch (error) {
    if (error instanceof UserError) throw error;
    // the codec's messages, and a malformed file's RangeErrors and TypeErrors, are the file's fault
    const why = error instanceof Error ? error.message : String(error);
    const kind = pth ? "a PyTorch checkpoint" : "a valid safetensors file";
    throw new UserError(
      why.startsWith(name) ? why : `${name} is not ${kind}: ${why}`,
      "give a generator's .safetensors or a reference .pth",
    );
  }
}

/**
 * Reads a generator's weights file (`name` says which kind; the bytes decide when it says nothing) and
 * builds the generator it holds. Anything wrong with the file is a UserError with a message to show.
 */
export function generatorFromBytes(bytes: Uint8Array, name: string): LoadedGenerator {
  const { tensors, metadata } = decode(bytes, name);
  const architecture = detectGenerator(tensors, metadata, name);
  return { g: loadedGenerator(tensors, architecture, name), architecture, metadata };
}

/** The generator `architecture` describes, with the weights of `tensors` (a state dict from `source`). */
export function loadedGenerator(
  tensors: StateDict,
  architecture: DetectedGenerator,
  source: string,
): Network {
  const g = createGenerator(
    generatorConfig(architecture, architecture.inputNc, architecture.outputNc),
    null, // every variable is loaded next
  );
  try {
    if (architecture.norm === "instance") dropInstanceNormStats(tensors, g); // as the reference's loader
    loadNetworkStateDict(g, tensors, source);
  } catch (error) {
    g.dispose();
    throw error;
  }
  return g;
}
