/**
 * Downloading the official pix2pix datasets (the reference's datasets/download_pix2pix_dataset.sh):
 * NAME.tar.gz from the published URL (io/download.ts: progress, resume, SHA-256, clear errors when
 * offline), then extracted.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import * as tar from "tar";
import { UserError } from "../../errors.ts";
import { type DownloadedFile, downloadFile, type FileDownload } from "../../io/download.ts";
import { OFFICIAL_DATASETS } from "./official.ts";

export interface DownloadRequest extends Pick<FileDownload, "sha256" | "log" | "progress"> {
  readonly name: string;
  /** Folder the dataset is extracted into: NAME/ appears inside it. */
  readonly dest: string;
  readonly baseUrl: string;
}

export interface DownloadResult extends DownloadedFile {
  readonly folder: string;
}

/** Downloads and extracts one dataset; returns where it is. */
export async function downloadDataset(request: DownloadRequest): Promise<DownloadResult> {
  const { name, dest, baseUrl } = request;
  const log = request.log ?? ((line: string) => console.error(line));
  if (!/^[\w.-]+$/.test(name)) throw new UserError(`'${name}' is not a dataset name`);
  mkdirSync(dest, { recursive: true });
  const url = `${baseUrl.replace(/\/+$/, "")}/${name}.tar.gz`;
  const archive = path.join(dest, `${name}.tar.gz`);
  const { sha256, bytes, resumedFrom } = await downloadFile({
    ...request,
    url,
    file: archive,
    log,
    notFound: (missing) =>
      new UserError(`no dataset at ${missing} (HTTP 404)`, `known datasets: ${OFFICIAL_DATASETS.join(", ")}`),
  });
  log(`extracting ${archive}`);
  try {
    await tar.x({ file: archive, cwd: dest, strict: true });
  } catch (error) {
    rmSync(archive);
    throw new UserError(
      `${archive} is not a complete .tar.gz archive (${(error as Error).message}); it was removed`,
      "run the command again to download it afresh",
    );
  }
  rmSync(archive);
  const folder = path.join(dest, name);
  if (!existsSync(folder)) {
    throw new UserError(`the archive of ${name} did not contain a folder '${name}'`, `look in ${dest}`);
  }
  return { folder, sha256, bytes, resumedFrom };
}
