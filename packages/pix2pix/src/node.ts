/**
 * pix2pix-ts for Node: backends (the native onednn one), image files, paired datasets, training,
 * testing and checkpoint files. Everything of the browser-safe `pix2pix-ts` entry is re-exported.
 */

export { BACKEND_CHOICES, type BackendChoice, type BackendName, useBackend } from "./backend.ts";
export {
  type DataOptions,
  dataOptions,
  openPairedDataset,
  type PairBatch,
  type PairedDataset,
} from "./data/index.ts";
export * from "./index.ts";
export { type ExportResult, exportGenerator } from "./infer/export-generator.ts";
export { type ExportOptions, exportOptions } from "./infer/export-options.ts";
export { type ImportResult, importCheckpoint } from "./infer/import-checkpoint.ts";
export { type ImportOptions, importOptions } from "./infer/import-options.ts";
export { type TestOptions, testOptions } from "./infer/test-options.ts";
export { runTest, type TestResult } from "./infer/test-run.ts";
export {
  type FileTranslation,
  type FileTranslationOptions,
  fileTranslationOptions,
  translateFile,
} from "./infer/translate-file.ts";
export { type FolderSummary, translateFolder } from "./infer/translate-folder.ts";
export { openTranslator, type TranslateResult, translateImage } from "./infer/translate-image.ts";
export { type TranslationItem, translationItems } from "./infer/translate-inputs.ts";
export { type TranslateOptions, translateOptions } from "./infer/translate-options.ts";
export { type ImageData32, readImage, writeImage } from "./io/images.ts";
export { loadNetwork, saveNetwork } from "./io/network-file.ts";
export { readSafetensors, writeSafetensors } from "./io/safetensors.ts";
export { backendOption, runOptions, seedOption } from "./options/common.ts";
export { Adam, PYTORCH_ADAM } from "./train/adam.ts";
export type { StepProgress, TrainControl } from "./train/control.ts";
export { LrSchedule } from "./train/lr-schedule.ts";
export { type TrainOptions, trainOptions } from "./train/options.ts";
export { type Pix2pixModel, type StepSettings, trainStep } from "./train/step.ts";
export { type TrainResult, train } from "./train/trainer.ts";
