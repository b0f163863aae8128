/**
 * `pix2pix serve` as a library call: the app on a socket. `close()` stops accepting connections, ends
 * the event streams, lets the requests in flight finish, then frees the models.
 */
import { existsSync, statSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { type BackendName, useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { resolveOptions } from "../options/schema.ts";
import { createApp } from "./app.ts";
import { ModelRegistry } from "./model-registry.ts";
import { type ServeOptions, serveOptions } from "./options.ts";
import type { RunWatchers } from "./runs-routes.ts";

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly backend: BackendName;
  readonly registry: ModelRegistry;
  /** Stops accepting, finishes the requests in flight, frees the models. */
  close(): Promise<void>;
}

/**
 * How long an idle keep-alive connection stays open. A forward pass holds the event loop for seconds
 * (a batch of 8 through a U-Net-256 ngf 64: ~8 s on 2 busy cores), and when it lets go, timers run
 * before sockets are read: with Node's 5 s, connections whose next request was already sent were closed
 * under it (autocannon counted 21 of 600 at concurrency 8 as connection errors).
 */
const KEEP_ALIVE_MS = 65_000;

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith("127.");

/** The studio's build in a checkout (packages/studio/dist), the same two levels up from src/ and dist/. */
const CHECKOUT_STUDIO = fileURLToPath(new URL("../../../studio/dist/", import.meta.url));

function studioFolder(given: string | undefined): string | undefined {
  if (given !== undefined) return given;
  return existsSync(path.join(CHECKOUT_STUDIO, "index.html")) ? CHECKOUT_STUDIO : undefined;
}

function checkFolder(flag: string, dir: string | undefined): void {
  if (dir !== undefined && !(existsSync(dir) && statSync(dir).isDirectory())) {
    throw new UserError(`--${flag} ${dir} is not a folder`);
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new UserError(`port ${port} on ${host} is in use`, "choose another with --port (0: any free one)")
          : error,
      ),
    );
    server.once("listening", () => resolve(server.address() as AddressInfo));
  });
}

export async function startServer(
  given: Partial<ServeOptions>,
  log: (line: string) => void = (line) => console.error(line),
): Promise<RunningServer> {
  const o = resolveOptions(serveOptions, given);
  checkFolder("models", o.models);
  checkFolder("studio", o.studio);
  const backend = await useBackend(o.backend);
  const registry = new ModelRegistry({
    modelsDir: o.models,
    checkpointsDir: o.checkpointsDir,
    loadSize: o.loadSize,
    seed: o.seed,
    maxLoaded: o.maxLoaded,
    maxBytes: o.maxModelMb * 1e6,
    limits: { maxBatch: o.maxBatch, waitMs: o.batchWaitMs, maxQueue: o.maxQueue },
  });
  const watchers: RunWatchers = new Set();
  const app = createApp({
    registry,
    backend,
    checkpointsDir: o.checkpointsDir,
    token: o.token,
    maxBodyBytes: Math.floor(o.maxBody * 1e6),
    maxPixels: Math.floor(o.maxPixels * 1e6),
    timeoutMs: o.timeout * 1000,
    studioDir: studioFolder(o.studio),
    watchers,
    log,
  });
  const server = serve({ fetch: app.fetch, port: o.port, hostname: o.host }) as Server;
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  const address = await listen(server, o.port, o.host);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    backend,
    registry,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const watcher of watchers) watcher.abort();
        // a connection goes idle when its request in flight is answered; kept alive, it would hold
        // close() for the whole keep-alive time
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        await closed;
        clearInterval(sweep);
        await registry.close();
      })();
      return closing;
    },
  };
}
