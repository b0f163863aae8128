/**
 * Weights kept in the browser's Cache API, so that a reload neither downloads a model again nor asks
 * for the file dropped last time. A server's weights are revalidated with their ETag (a retrained run
 * gets a new one); offline, the cached copy serves.
 */
import { errorOf } from "./server-api.ts";

const CACHE = "pix2pix-studio-weights";
/** Where the last dropped file is kept (one at a time); not a URL any server answers. */
const DROPPED = "/studio-dropped-model/";

async function open(): Promise<Cache | undefined> {
  if (!("caches" in globalThis)) return undefined; // not a secure context
  return caches.open(CACHE).catch(() => undefined);
}

const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

export interface Weights {
  readonly bytes: Uint8Array;
  /** The file's name as the server gives it (its extension says .safetensors or .pth). */
  readonly fileName: string | undefined;
  readonly cached: boolean;
}

function fileNameOf(headers: Headers): string | undefined {
  return /filename="([^"]+)"/.exec(headers.get("Content-Disposition") ?? "")?.[1];
}

/** A server model's weights: from the cache when the server says they have not changed. */
export async function downloadWeights(url: string): Promise<Weights> {
  const cache = await open();
  const hit = await cache?.match(url);
  const etag = hit?.headers.get("ETag");
  let response: Response;
  try {
    response = await fetch(url, { headers: etag ? { "If-None-Match": etag } : {}, cache: "no-store" });
  } catch (error) {
    if (hit) return { bytes: await bytesOf(hit), fileName: fileNameOf(hit.headers), cached: true };
    throw error;
  }
  if (response.status === 304 && hit) {
    return { bytes: await bytesOf(hit), fileName: fileNameOf(hit.headers), cached: true };
  }
  if (!response.ok) throw new Error(await errorOf(response));
  const bytes = await bytesOf(response);
  const headers = {
    "Content-Type": "application/octet-stream",
    "Content-Disposition": response.headers.get("Content-Disposition") ?? "",
    ETag: response.headers.get("ETag") ?? "",
  };
  await cache?.put(url, new Response(bytes, { headers })).catch(() => undefined);
  return { bytes, fileName: fileNameOf(response.headers), cached: false };
}

/** Keeps a dropped file (and only it) for the next visit. */
export async function rememberDropped(name: string, bytes: Uint8Array): Promise<void> {
  const cache = await open();
  if (!cache) return;
  for (const request of await cache.keys()) {
    if (new URL(request.url).pathname.startsWith(DROPPED)) await cache.delete(request);
  }
  await cache
    .put(DROPPED + encodeURIComponent(name), new Response(bytes.slice().buffer))
    .catch(() => undefined);
}

export async function forgetDropped(): Promise<void> {
  const cache = await open();
  for (const request of (await cache?.keys()) ?? []) {
    if (new URL(request.url).pathname.startsWith(DROPPED)) await cache?.delete(request);
  }
}

/** The file dropped last time, if the cache still has it. */
export async function lastDropped(): Promise<{ name: string; bytes: Uint8Array } | undefined> {
  const cache = await open();
  for (const request of (await cache?.keys()) ?? []) {
    const { pathname } = new URL(request.url);
    if (!pathname.startsWith(DROPPED)) continue;
    const response = await cache?.match(request);
    if (response)
      return { name: decodeURIComponent(pathname.slice(DROPPED.length)), bytes: await bytesOf(response) };
  }
  return undefined;
}
