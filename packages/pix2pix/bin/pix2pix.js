#!/usr/bin/env node
// The `pix2pix` executable runs the compiled JavaScript in dist/: the published package ships it, and a
// checkout builds it with `npm run build` (scripts/setup.sh runs that).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("pix2pix: dist/ is not built: run 'npm run build' (or scripts/setup.sh) in the repository");
  process.exit(1);
}
await import(main.href);
