/**
 * Finding a dataset's pairs on disk: aligned A|B images in one folder, or A/ and B/ folders paired by
 * file name. Files are listed as the reference does (recursively, image extensions only, sorted by path).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.ts";

/** The file types the loader decodes (sharp), matched case-insensitively. */
export const IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp", ".ppm", ".bmp", ".tif", ".tiff"] as const;

/** Where one pair's pixels come from. */
export type PairSource =
  | { readonly kind: "aligned"; readonly path: string }
  | { readonly kind: "folders"; readonly pathA: string; readonly pathB: string }
  | { readonly kind: "synthetic"; readonly index: number };

export function isImageFile(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

/** The first path a pair's data is read from, for messages and reports. */
export function sourcePath(source: PairSource): string {
  if (source.kind === "aligned") return source.path;
  if (source.kind === "folders") return source.pathA;
  return `synthetic/${String(source.index).padStart(6, "0")}`;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Every image file under dir (recursively), sorted by path, as the reference's make_dataset. */
export function listImages(dir: string): string[] {
  if (!existsSync(dir)) throw new UserError(`dataset folder ${dir} does not exist`, downloadHint);
  if (!isDirectory(dir)) throw new UserError(`${dir} is not a folder`, downloadHint);
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true, encoding: "utf8" });
  } catch (error) {
    throw new UserError(`cannot list ${dir}: ${(error as Error).message}`);
  }
  return entries
    .filter((name) => isImageFile(name))
    .map((name) => path.join(dir, name))
    .filter((file) => !isDirectory(file))
    .sort();
}

const downloadHint =
  "get a dataset with 'pix2pix datasets download facades', or train on built-in data with --dataset-mode synthetic";

function noImages(dir: string): UserError {
  return new UserError(
    `no images in ${dir}`,
    `expected ${IMAGE_EXTENSIONS.join(" ")} files; ${downloadHint}`,
  );
}

/** The folder of aligned images: dataroot/phase, or dataroot itself when it holds the images directly. */
export function alignedFolder(dataroot: string, phase: string): string {
  const phaseDir = path.join(dataroot, phase);
  if (isDirectory(phaseDir) || !isDirectory(dataroot)) return phaseDir;
  const direct = readdirSync(dataroot).some((name) => isImageFile(name));
  if (direct) return dataroot;
  const subfolders = readdirSync(dataroot).filter((name) => isDirectory(path.join(dataroot, name)));
  throw new UserError(
    `dataset folder ${phaseDir} does not exist`,
    subfolders.length > 0
      ? `${dataroot} has ${subfolders.join(", ")}: choose one with --phase`
      : `put the ${phase} images in ${phaseDir}`,
  );
}

export function alignedSources(dataroot: string, phase: string): PairSource[] {
  const dir = alignedFolder(dataroot, phase);
  const files = listImages(dir);
  if (files.length === 0) throw noImages(dir);
  return files.map((file) => ({ kind: "aligned", path: file }));
}

/**
 * The A and B folders of a two-folder dataset, trying the layouts in use: phase/A + phase/B,
 * A/phase + B/phase (the reference's combine_A_and_B input), phaseA + phaseB (CycleGAN), A + B.
 */
export function folderPair(dataroot: string, phase: string): { readonly a: string; readonly b: string } {
  const layouts = [
    [path.join(dataroot, phase, "A"), path.join(dataroot, phase, "B")],
    [path.join(dataroot, "A", phase), path.join(dataroot, "B", phase)],
    [path.join(dataroot, `${phase}A`), path.join(dataroot, `${phase}B`)],
    [path.join(dataroot, "A"), path.join(dataroot, "B")],
  ] as const;
  for (const [a, b] of layouts) if (isDirectory(a) && isDirectory(b)) return { a, b };
  throw new UserError(
    `no A and B folders for phase '${phase}' in ${dataroot}`,
    `expected one of: ${layouts.map(([a, b]) => `${path.relative(dataroot, a)} + ${path.relative(dataroot, b)}`).join(", ")}`,
  );
}

/** A name that pairs files across folders: the path inside the folder, without the extension. */
function pairKey(dir: string, file: string): string {
  const relative = path.relative(dir, file);
  return relative.slice(0, relative.length - path.extname(relative).length);
}

function keyed(dir: string): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const file of listImages(dir)) {
    const key = pairKey(dir, file);
    const other = byKey.get(key);
    if (other !== undefined) {
      throw new UserError(
        `two files in ${dir} have the name '${key}': ${other} and ${file}`,
        "keep one of them",
      );
    }
    byKey.set(key, file);
  }
  return byKey;
}

export interface FolderListing {
  readonly sources: PairSource[];
  /** Files without a partner of the same name in the other folder. */
  readonly unpaired: string[];
}

/** Pairs the images of two folders by name (dirA/x.* with dirB/x.*), sorted by A's path. */
export function pairByName(dirA: string, dirB: string): FolderListing {
  const filesA = keyed(dirA);
  const filesB = keyed(dirB);
  if (filesA.size === 0 && filesB.size === 0) throw noImages(`${dirA} and ${dirB}`);
  const sources: PairSource[] = [];
  const unpaired: string[] = [];
  for (const [key, pathA] of filesA) {
    const pathB = filesB.get(key);
    if (pathB === undefined) unpaired.push(pathA);
    else sources.push({ kind: "folders", pathA, pathB });
  }
  for (const [key, pathB] of filesB) if (!filesA.has(key)) unpaired.push(pathB);
  sources.sort((x, y) => (sourcePath(x) < sourcePath(y) ? -1 : 1));
  return { sources, unpaired: unpaired.sort() };
}

/** The pairs of a two-folder dataset's phase. */
export function folderSources(dataroot: string, phase: string): FolderListing {
  const { a, b } = folderPair(dataroot, phase);
  return pairByName(a, b);
}
