/**
 * The studio's build. Relative asset paths (base "./"), so the built folder works wherever it is
 * served: `vite preview`, or `pix2pix serve --studio packages/studio/dist` at /. With PIX2PIX_SERVER
 * set (e.g. http://127.0.0.1:8080), `vite` and `vite preview` pass /api on to that `pix2pix serve`;
 * without it the studio runs alone, on dropped files, and /api answers that there is no server: empty
 * lists of models and runs, `{ok: false}` for health, and `{error, hint}` elsewhere, as the server's
 * own errors read.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { defineConfig, type Plugin } from "vite";

const server = process.env.PIX2PIX_SERVER;

function answerWithoutServer(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (!url.pathname.startsWith("/api/")) {
    next();
    return;
  }
  const lists = url.pathname === "/api/models" || url.pathname === "/api/runs";
  const health = url.pathname === "/api/health"; // answered, so that asking logs no failed request
  res.statusCode = lists || health ? 200 : 404;
  res.setHeader("Content-Type", "application/json");
  const error = {
    error: "no pix2pix server behind this page",
    hint: "start `pix2pix serve`, or set PIX2PIX_SERVER",
  };
  res.end(JSON.stringify(lists ? [] : health ? { ok: false, ...error } : error));
}

/** /api when no server is named: the studio's standalone mode. */
const standaloneApi: Plugin = {
  name: "pix2pix-standalone-api",
  configureServer: (dev) => void dev.middlewares.use(answerWithoutServer),
  configurePreviewServer: (preview) => void preview.middlewares.use(answerWithoutServer),
};

export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 4096 },
  plugins: server ? [] : [standaloneApi],
  server: { proxy: server ? { "/api": server } : {} },
  preview: { proxy: server ? { "/api": server } : {} },
});
