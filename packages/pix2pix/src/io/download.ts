/**
 * One file over HTTP, the way a large download should go: progress, resume of a partial download (an
 * HTTP Range request from FILE.part), a few retries when a connection drops (a reused keep-alive
 * connection the server just closed resets, and a long download can lose its connection midway), a
 * SHA-256 (checked when given), a stall timeout, and errors that name the URL and say what to do when
 * offline. The file appears whole (renamed from FILE.part).
 */
import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UserError } from "../errors.ts";

/** No byte for this long means the connection is dead. */
const STALL_MS = 60_000;
/** Tries of one download when its connection drops; each resumes where the last one stopped. */
const ATTEMPTS = 3;
/** Connection failures another try may not meet (a refused connection or an unknown host would). */
const DROPPED = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/** A failed transfer; `dropped` when the connection went away and trying again may work. */
class NetworkError extends UserError {
  constructor(
    message: string,
    hint: string,
    readonly dropped: boolean,
  ) {
    super(message, hint);
  }
}

export interface ByteProgress {
  update(doneBytes: number): void;
  stop(): void;
}

export interface FileDownload {
  readonly url: string;
  /** Where the file lands; FILE.part holds it meanwhile, and a later call resumes from it. */
  readonly file: string;
  /** Expected SHA-256 (hex), checked when given: a mismatch removes the download. */
  readonly sha256?: string;
  readonly log?: (line: string) => void;
  /** Starts reporting the file's bytes (the CLI draws a bar); nothing is reported without it. */
  readonly progress?: (label: string, totalBytes: number) => ByteProgress;
  /** The error for an HTTP 404: what is missing, and what exists. */
  readonly notFound: (url: string) => UserError;
}

export interface DownloadedFile {
  readonly sha256: string;
  readonly bytes: number;
  /** Bytes that were already on disk from an interrupted download. */
  readonly resumedFrom: number;
}

function networkError(url: string, error: unknown): NetworkError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  const words: Record<string, string> = {
    ENOTFOUND: "the host name does not resolve (offline?)",
    EAI_AGAIN: "the host name does not resolve (offline?)",
    ECONNREFUSED: "the connection was refused",
    ECONNRESET: "the connection was reset",
    ETIMEDOUT: "the connection timed out",
  };
  const reason = code
    ? `${code}${words[code] ? `, ${words[code]}` : ""}`
    : (cause?.message ?? (error as Error).message);
  return new NetworkError(
    `cannot download ${url}: ${reason}`,
    "check the network connection (or give a mirror with --url); a partial download is kept and resumes on the next try",
    code !== undefined && DROPPED.has(code),
  );
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/** Fetches url into `partial`, appending to what is already there when the server allows a range. */
async function fetchResumable(
  url: string,
  partial: string,
  {
    log,
    progress: reportProgress,
    notFound,
  }: Pick<FileDownload, "progress" | "notFound"> & {
    log: (line: string) => void;
  },
): Promise<number> {
  const have = existsSync(partial) ? statSync(partial).size : 0;
  const controller = new AbortController();
  let stall = setTimeout(() => controller.abort(new Error(`no data for ${STALL_MS / 1000} s`)), STALL_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      signal: controller.signal,
    });
  } catch (error) {
    clearTimeout(stall);
    throw networkError(url, error);
  }
  if (response.status === 416 && have > 0) {
    clearTimeout(stall);
    return have; // the partial file is already complete
  }
  if (response.status === 404) {
    clearTimeout(stall);
    throw notFound(url);
  }
  if (!response.ok || !response.body) {
    clearTimeout(stall);
    throw new UserError(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`);
  }
  const resumed = response.status === 206;
  const start = resumed ? have : 0;
  if (have > 0)
    log(resumed ? `resuming at ${have} bytes` : "the server does not resume downloads: starting over");
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  const total = Number.isFinite(length) ? start + length : 0;
  const progress = reportProgress?.(`downloading ${path.basename(url)}`, total);
  let done = start;
  progress?.update(done);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      clearTimeout(stall);
      stall = setTimeout(() => controller.abort(new Error(`no data for ${STALL_MS / 1000} s`)), STALL_MS);
      done += chunk.length;
      progress?.update(done);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
      counter,
      createWriteStream(partial, { flags: resumed ? "a" : "w" }),
    );
  } catch (error) {
    throw networkError(url, error);
  } finally {
    clearTimeout(stall);
    progress?.stop();
  }
  if (total > 0 && done !== total) {
    throw new UserError(
      `the download of ${url} stopped at ${done} of ${total} bytes`,
      "run the command again to resume",
    );
  }
  return done;
}

/** fetchResumable, tried again (resuming) while the connection drops, up to ATTEMPTS tries in all. */
async function fetchWithRetries(
  url: string,
  partial: string,
  request: Parameters<typeof fetchResumable>[2],
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchResumable(url, partial, request);
    } catch (error) {
      if (!(error instanceof NetworkError && error.dropped) || attempt === ATTEMPTS) throw error;
      request.log(`${error.message}; trying again (${attempt + 1} of ${ATTEMPTS})`);
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

/** Downloads `url` to `file`, resuming from FILE.part; a file already there is confirmed, not fetched again. */
export async function downloadFile(request: FileDownload): Promise<DownloadedFile> {
  const { url, file } = request;
  const log = request.log ?? ((line: string) => console.error(line));
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.part`;
  // A complete file (say, an archive whose extraction was interrupted): the range request confirms it.
  if (existsSync(file) && !existsSync(partial)) renameSync(file, partial);
  const resumedFrom = existsSync(partial) ? statSync(partial).size : 0;
  const bytes = await fetchWithRetries(url, partial, { ...request, log });
  const sha256 = await fileSha256(partial);
  if (request.sha256 && request.sha256.toLowerCase() !== sha256) {
    rmSync(partial);
    throw new UserError(
      `the download of ${url} has SHA-256 ${sha256}, expected ${request.sha256}`,
      "the file was removed; run the command again, or check the expected checksum",
    );
  }
  renameSync(partial, file);
  return { sha256, bytes, resumedFrom };
}
