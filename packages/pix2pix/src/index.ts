/**
 * pix2pix-ts, the library: the reference's networks and losses on TensorFlow.js, their weights in
 * PyTorch's names and layouts, and the evaluation metrics. Nothing here needs Node, so the browser
 * runs the same code, training included (`trainOnPairs`, on pairs in memory); files, datasets, the CLI's
 * trainer and the native backend are in `pix2pix-ts/node`.
 */

export { rgbaToUnitRange, unitRangeToRgba } from "./data/pixels.ts";
export { FACADE_CLASSES, type FacadeClass, renderSyntheticPair } from "./data/synthetic.ts";
export { UserError } from "./errors.ts";
export { translateBatch } from "./infer/evaluate.ts";
export { decodeWeightsFile, generatorFromBytes, type LoadedGenerator } from "./infer/generator-bytes.ts";
export { type ImageMetrics, imageMetrics, l1, meanMetrics, psnr, ssim } from "./infer/metrics.ts";
export { generatorToOnnx } from "./infer/onnx-export.ts";
export { type InferenceMode, translatePixels } from "./infer/translate-pixels.ts";
export { decodePict } from "./io/pict.ts";
export { parsePth } from "./io/pth.ts";
export { encodePth } from "./io/pth-write.ts";
export { resizeBicubic } from "./io/resample.ts";
export {
  decodeSafetensors,
  encodeSafetensors,
  type HostTensor,
  type StateDict,
} from "./io/safetensors-codec.ts";
export { loadNetworkStateDict, networkStateDict } from "./io/state-dict.ts";
export {
  type DetectedDiscriminator,
  type DetectedGenerator,
  detectDiscriminator,
  detectGenerator,
} from "./models/detect.ts";
export {
  createDiscriminator,
  createGenerator,
  type DiscriminatorConfig,
  discriminatorConfig,
  type GeneratorConfig,
  generatorConfig,
  generatorSizeMultiple,
} from "./models/index.ts";
export { type GanMode, ganLoss, gradientPenalty } from "./models/losses.ts";
export {
  DISCRIMINATORS,
  type DiscriminatorName,
  type DiscriminatorOptions,
  discriminatorOptions,
  GENERATORS,
  type GeneratorName,
  type GeneratorOptions,
  generatorOptions,
  type InitOptions,
  initOptions,
  type ModelOptions,
  modelOptions,
} from "./models/options.ts";
export { INITS } from "./nn/init.ts";
export { NORMS } from "./nn/layers.ts";
export type { Mode, Network } from "./nn/network.ts";
export {
  defaults,
  type OptionSchema,
  type OptionValues,
  option,
  resolveOptions,
} from "./options/schema.ts";
export { Rng, type RngState } from "./random.ts";
export type { StepProgress, TrainControl } from "./train/control.ts";
export { type ImagePair, pairDataset, type RgbImage } from "./train/pair-dataset.ts";
export {
  type PairLossRecord,
  type PairTrainingHooks,
  type PairTrainingOptions,
  type PairTrainingResult,
  type PairTrainingStart,
  scheduleForSteps,
  trainOnPairs,
} from "./train/pair-trainer.ts";
export { type SessionOptions, sessionOptions } from "./train/session-options.ts";
export { generatorFileFromTrainState } from "./train/train-state.ts";
