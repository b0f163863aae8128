/**
 * The reference's pretrained pix2pix generators (its scripts/download_pix2pix_model.sh) and where they
 * are published. Only pix2pix's: CycleGAN publishes other models under some of the same names.
 */
export interface PretrainedModel {
  readonly name: string;
  /** What it translates, input → output. */
  readonly translates: string;
  /** The official dataset it was trained on, and the direction that makes its input side A. */
  readonly dataset: string;
  readonly direction: "AtoB" | "BtoA";
}

export const PRETRAINED: readonly PretrainedModel[] = [
  {
    name: "facades_label2photo",
    translates: "label map → facade photo",
    dataset: "facades",
    direction: "BtoA",
  },
  { name: "sat2map", translates: "satellite photo → map", dataset: "maps", direction: "AtoB" },
  { name: "map2sat", translates: "map → satellite photo", dataset: "maps", direction: "BtoA" },
  { name: "edges2shoes", translates: "edge drawing → shoe photo", dataset: "edges2shoes", direction: "AtoB" },
  { name: "day2night", translates: "day photo → night photo", dataset: "night2day", direction: "BtoA" },
];

/** Where the .pth files are published; PIX2PIX_MODELS_URL or --url replace it (mirrors, tests). */
export const DEFAULT_MODELS_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/models-pytorch";
