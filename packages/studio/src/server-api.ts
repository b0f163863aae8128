/**
 * The studio's side of `pix2pix serve`'s API: the models it offers (GET /api/models), a model's weights
 * (GET /api/models/NAME/weights, safetensors; PUT there uploads one) and its training runs (GET /api/runs, and
 * GET /api/runs/NAME/events as Server-Sent Events). Every error the server answers is JSON
 * `{error, hint}`; without a server (the studio opened from `vite preview` alone) the lists are empty.
 */
import type { DetectedGenerator } from "pix2pix-ts";

export interface ServerModel extends DetectedGenerator {
  readonly name: string;
  readonly source: "file" | "run";
  /** The square size the server resizes inputs to. */
  readonly loadSize: number;
}

export interface RunSummary {
  readonly name: string;
  readonly epoch: number;
  readonly iteration: number;
  readonly losses: Readonly<Record<string, number>>;
  readonly updated: string | null;
  readonly hasGenerator: boolean;
}

/** One line of a run's loss_log.jsonl, as the `log` events carry it. */
export interface LossRecord {
  readonly epoch: number;
  readonly iteration: number;
  readonly losses: Readonly<Record<string, number>>;
}

export const weightsUrl = (model: string) => `/api/models/${encodeURIComponent(model)}/weights`;
export const runEventsUrl = (run: string) => `/api/runs/${encodeURIComponent(run)}/events`;

/** The server's message for a failed response: its `{error, hint}`, else the status. */
export async function errorOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => undefined)) as
    | { error?: unknown; hint?: unknown }
    | undefined;
  if (typeof body?.error !== "string") return `the server answered ${response.status} ${response.statusText}`;
  return typeof body.hint === "string" ? `${body.error} (${body.hint})` : body.error;
}

/** JSON from the server, or undefined when there is no server behind the page. */
async function getJson<T>(url: string): Promise<T | undefined> {
  const response = await fetch(url, { headers: { Accept: "application/json" } }).catch(() => undefined);
  if (!response) return undefined;
  const isJson = response.headers.get("Content-Type")?.includes("application/json") ?? false;
  if (!isJson) return undefined; // a static server's index.html or 404 page: no API here
  if (!response.ok) throw new Error(await errorOf(response));
  return (await response.json()) as T;
}

export async function listModels(): Promise<ServerModel[]> {
  return (await getJson<ServerModel[]>("/api/models")) ?? [];
}

/** Whether a `pix2pix serve` answers behind the page (GET /api/health). */
export async function serverConnected(): Promise<boolean> {
  const health = await getJson<{ ok?: boolean }>("/api/health").catch(() => undefined);
  return health?.ok === true;
}

export async function listRuns(): Promise<RunSummary[]> {
  return (await getJson<RunSummary[]>("/api/runs")) ?? [];
}

/**
 * Sends trained weights to the server as model NAME (PUT /api/models/NAME/weights, the safetensors
 * bytes). The server's answer decides: its `{error, hint}` becomes the error.
 */
export async function uploadModel(name: string, bytes: Uint8Array): Promise<void> {
  const response = await fetch(weightsUrl(name), {
    method: "PUT",
    headers: { "Content-Type": "application/octet-stream" },
    body: new Blob([bytes.slice().buffer]),
  }).catch(() => undefined);
  if (!response) throw new Error("no pix2pix server answers behind this page");
  if (!response.ok) throw new Error(`upload: ${await errorOf(response)}`);
}
