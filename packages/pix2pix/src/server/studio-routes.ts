/** GET / and the studio's other files, from the folder its build wrote (index.html for unknown paths). */
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";

export function studioRoutes(dir: string): Hono {
  const routes = new Hono();
  routes.use("/*", serveStatic({ root: dir }));
  routes.get("/*", serveStatic({ root: dir, path: "index.html" }));
  return routes;
}
