/**
 * The HTTP API as a hono app: authentication, the routes, JSON errors. It holds no socket; server.ts
 * puts it on one.
 */
import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { BackendName } from "../backend.ts";
import { errorBody, errorResponse } from "./http-error.ts";
import type { ModelRegistry } from "./model-registry.ts";
import { type RunWatchers, runsRoutes } from "./runs-routes.ts";
import { studioRoutes } from "./studio-routes.ts";
import { translateHandler } from "./translate-route.ts";

export interface AppConfig {
  readonly registry: ModelRegistry;
  readonly backend: BackendName;
  readonly checkpointsDir: string;
  readonly token: string | undefined;
  readonly maxBodyBytes: number;
  readonly maxPixels: number;
  readonly timeoutMs: number;
  readonly studioDir: string | undefined;
  readonly watchers: RunWatchers;
  readonly log: (line: string) => void;
}

const VERSION = String(
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version,
);

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? "");
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Refuses a body over `maxBytes` with 413 before reading the rest. */
function limitBody(maxBytes: number, what: string) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      c.header("Connection", "close"); // the rest of the body is not read
      return c.json(
        errorBody(`the body is over the limit of ${maxBytes} bytes`, `send a smaller ${what}`),
        413,
      );
    },
  });
}

export function createApp(config: AppConfig): Hono {
  const app = new Hono();
  app.onError((error, c) => errorResponse(c, error, config.log));
  const noRoute = (c: Context) =>
    c.json(errorBody(`no route ${c.req.method} ${c.req.path}`, "the API is under /api"), 404);
  app.notFound(noRoute);

  const { token } = config;
  if (token !== undefined) {
    app.use("/api/*", async (c, next) => {
      if (tokenMatches(c.req.header("authorization"), token)) return next();
      c.header("WWW-Authenticate", "Bearer");
      return c.json(errorBody("missing or wrong token", "send 'Authorization: Bearer <token>'"), 401);
    });
  }

  app.get("/api/health", (c) => c.json({ ok: true, backend: config.backend, version: VERSION }));
  app.get("/api/models", async (c) => c.json(await config.registry.list()));
  app.get("/api/models/:name/weights", async (c) => {
    const file = await config.registry.weightsFile(c.req.param("name"));
    // the file's version as its ETag: the studio keeps the weights and asks again with If-None-Match
    const { mtimeMs, size } = await stat(file);
    const etag = `"${Math.floor(mtimeMs)}-${size}"`;
    if (c.req.header("If-None-Match") === etag) return c.body(null, 304, { ETag: etag });
    return c.body(new Uint8Array(await readFile(file)), 200, {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename="${path.basename(file)}"`,
      ETag: etag,
    });
  });
  app.put(
    "/api/models/:name/weights",
    limitBody(config.maxBodyBytes, "model, or raise --max-body"),
    async (c) => {
      const type = c.req.header("content-type") ?? "";
      if (!type.startsWith("application/octet-stream")) {
        return c.json(
          errorBody(
            `cannot take ${type || "a body without a type"}`,
            "send the .safetensors bytes as application/octet-stream",
          ),
          415,
        );
      }
      const name = c.req.param("name");
      const { created, architecture } = await config.registry.store(
        name,
        new Uint8Array(await c.req.arrayBuffer()),
      );
      return c.json({ name, ...architecture }, created ? 201 : 200);
    },
  );
  app.post(
    "/api/translate",
    limitBody(config.maxBodyBytes, "image"),
    translateHandler(config.registry, { maxPixels: config.maxPixels, timeoutMs: config.timeoutMs }),
  );
  app.route("/api/runs", runsRoutes(config.checkpointsDir, config.watchers));
  app.all("/api/*", noRoute); // before the studio, whose unknown paths are its index.html
  if (config.studioDir !== undefined) app.route("/", studioRoutes(config.studioDir));
  return app;
}
