/**
 * `translate`'s INPUT arguments as (input file, output file) pairs: a file goes to OUTDIR under its own
 * name, a folder's images (recursively) under their path inside the folder, and a glob's matches under
 * their path below the glob's first wildcard-free folders, so OUTDIR mirrors the inputs' structure.
 * Output files keep the input's format when we write it (PNG, JPEG, WebP), else become PNG.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { isImageFile } from "../data/sources.ts";
import { UserError } from "../errors.ts";

export interface TranslationItem {
  readonly input: string;
  readonly output: string;
}

const WRITABLE = new Set([".png", ".jpg", ".jpeg", ".webp"]);
const WILDCARD = /[*?[{]/;

/** The output name of an input: the same path, in a format we write. */
function outputName(relative: string): string {
  const extension = path.extname(relative);
  return WRITABLE.has(extension.toLowerCase()) ? relative : `${relative.slice(0, -extension.length)}.png`;
}

/** Every image file under `folder`, as paths relative to it, sorted. */
async function imagesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && isImageFile(entry.name))
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** A glob's image files, relative to its first wildcard-free folders (its root). */
async function globItems(pattern: string): Promise<{ root: string; files: string[] }> {
  const parts = pattern.split(/[\\/]/);
  const fixed = parts.findIndex((part) => WILDCARD.test(part));
  const root = parts.slice(0, fixed).join("/") || ".";
  const matches = await glob(parts.slice(fixed).join("/"), {
    cwd: root,
    onlyFiles: true,
    expandDirectories: false,
  });
  return { root, files: matches.filter(isImageFile).sort() };
}

/**
 * The (input, output) pairs of `inputs` (files, folders, globs) written under `outDir`, in order.
 * An input that names nothing is a UserError naming it.
 */
export async function translationItems(
  inputs: readonly string[],
  outDir: string,
): Promise<TranslationItem[]> {
  const items: TranslationItem[] = [];
  const under = (root: string, files: readonly string[]) => {
    for (const file of files) {
      items.push({ input: path.join(root, file), output: path.join(outDir, outputName(file)) });
    }
  };
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info?.isDirectory()) under(input, await imagesUnder(input));
    else if (info) under(path.dirname(input), [path.basename(input)]);
    else if (WILDCARD.test(input)) {
      const { root, files } = await globItems(input);
      if (files.length === 0) throw new UserError(`no image files match ${input}`);
      under(root, files);
    } else throw new UserError(`input not found: ${input}`, "give image files, folders or globs");
  }
  return items;
}
