// Builds the studio (vite) into dist/ only when its inputs changed since the last build: the studio's
// sources, the pix2pix-ts library build it bundles, and the lockfile. A content hash of them is kept
// in dist/.inputs-hash, so `npm run build` (setup, tests) costs milliseconds when nothing changed.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const studio = path.resolve(import.meta.dirname, "..");
const root = path.resolve(studio, "../..");
const stamp = path.join(studio, "dist", ".inputs-hash");

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !e.name.endsWith(".test.ts") && !e.name.endsWith(".tsbuildinfo"))
    .map((e) => path.join(e.parentPath, e.name));
}

const inputs = [
  path.join(studio, "index.html"),
  path.join(studio, "vite.config.ts"),
  path.join(studio, "package.json"),
  path.join(root, "package-lock.json"),
  ...files(path.join(studio, "src")),
  ...files(path.join(studio, "public")),
  ...files(path.join(root, "packages/pix2pix/dist")),
].sort();
const hash = createHash("sha256");
for (const file of inputs) hash.update(path.relative(root, file)).update("\0").update(readFileSync(file));
const digest = hash.digest("hex");

if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) process.exit(0);
const { build } = await import("vite"); // only now: loading vite costs more than the check
await build({ configFile: path.join(studio, "vite.config.ts"), logLevel: "warn" });
writeFileSync(stamp, digest);
console.log("studio: built packages/studio/dist");
