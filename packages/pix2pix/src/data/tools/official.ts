/** The official pix2pix datasets and where they are published (the reference's download script). */
export const OFFICIAL_DATASETS = [
  "facades",
  "maps",
  "cityscapes",
  "edges2shoes",
  "edges2handbags",
  "night2day",
] as const;

/** Where the archives are fetched from; PIX2PIX_DATASETS_URL or --url replace it (mirrors, tests). */
export const DEFAULT_DATASETS_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets";
