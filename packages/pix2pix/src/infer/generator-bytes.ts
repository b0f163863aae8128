/**
 * A generator from a weights file's bytes, with no options: safetensors, a reference .pth (through
 * the restricted unpickler) or a pix2pix-tensorflow / ml5.js .pict, its architecture read from the
 * weights (models/detect.ts). What the studio does with a dropped or downloaded file. Browser-safe.
 */
import { UserError } from "../errors.ts";
import { decodePict } from "../io/pict.ts";
import { parsePth } from "../io/pth.ts";
import { decodeSafetensors, type SafetensorsContent, type StateDict } from "../io/safetensors-codec.ts";
import { dropInstanceNormStats, loadNetworkStateDict } from "../io/state-dict.ts";
import { type DetectedGenerator, detectGenerator } from "../models/detect.ts";
import { createGenerator, generatorConfig } from "../models/index.ts";
import { tensorflowUnetStateDict } from "../models/unet-tf.ts";
import type { Network } from "../nn/network.ts";
import { withInferencePlan } from "./inference-plan.ts";

export interface LoadedGenerator {
  readonly g: Network;
  readonly architecture: DetectedGenerator;
  /** The safetensors file's metadata (none for .pth; a .pict's says it runs without dropout). */
  readonly metadata: Readonly<Record<string, string>>;
}

type WeightsFormat = "safetensors" | "pth" | "pict";

/** A .pict starts with its JSON list's length, then `[{`: bytes no safetensors or zip begins with. */
function formatOf(bytes: Uint8Array, name: string): WeightsFormat {
  if (/\.onnx$/i.test(name)) {
    throw new UserError(
      `${name} is an ONNX model: pix2pix-ts writes ONNX (pix2pix export) but reads generators from its own formats`,
      "give the .safetensors, .pth or .pict it was exported from; onnxruntime runs the .onnx",
    );
  }
  if (/\.pth?$/i.test(name)) return "pth";
  if (/\.pict$/i.test(name)) return "pict";
  if (/\.safetensors$/i.test(name)) return "safetensors";
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return "pth"; // "PK": torch.save's zip
  // legacy torch.save: a pickle whose first object is the magic number (PROTO 2, LONG1 of 10 bytes)
  if (bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a && bytes[3] === 0x0a) return "pth";
  return bytes[4] === 0x5b && bytes[5] === 0x7b ? "pict" : "safetensors";
}

const FORMAT_NAMES: Readonly<Record<WeightsFormat, string>> = {
  safetensors: "a valid safetensors file",
  pth: "a PyTorch checkpoint",
  pict: "a .pict model file",
};

/** The browser demo and ml5.js ran .pict models without dropout: so do we. */
const PICT_METADATA = { format: "pict", noDropout: "true" } as const;

/** A weights file's state dict and metadata; `name` says which format (the bytes decide when it says nothing). */
export function decodeWeightsFile(bytes: Uint8Array, name: string): SafetensorsContent {
  const format = formatOf(bytes, name);
  try {
    switch (format) {
      case "pth":
        return { tensors: parsePth(bytes, name), metadata: {} };
      case "pict":
        return {
          tensors: tensorflowUnetStateDict(decodePict(bytes, name), name),
          metadata: { ...PICT_METADATA },
        };
      case "safetensors":
        return decodeSafetensors(bytes, name);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    // the codec's messages, and a malformed file's RangeErrors and TypeErrors, are the file's fault
    const why = error instanceof Error ? error.message : String(error);
    const kind = FORMAT_NAMES[format];
    throw new UserError(
      why.startsWith(name) ? why : `${name} is not ${kind}: ${why}`,
      "give a generator's .safetensors, a reference .pth or a pix2pix-tensorflow .pict",
    );
  }
}

/**
 * Reads a generator's weights file (`name` says which kind; the bytes decide when it says nothing) and
 * builds the generator it holds. Anything wrong with the file is a UserError with a message to show.
 */
export function generatorFromBytes(bytes: Uint8Array, name: string): LoadedGenerator {
  const { tensors, metadata } = decodeWeightsFile(bytes, name);
  const architecture = detectGenerator(tensors, metadata, name);
  return { g: loadedGenerator(tensors, architecture, name), architecture, metadata };
}

/**
 * The generator `architecture` describes, with the weights of `tensors` (a state dict from `source`);
 * its eval-mode calls go through an inference plan where the backend has one (inference-plan.ts).
 */
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
  return withInferencePlan(g, architecture);
}
