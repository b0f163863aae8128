#!/usr/bin/env node
// The `pix2pix` command run from the TypeScript source, through tsx: what the tests spawn, so that they run
// the code as it is now, not as it was at the last build (bin/pix2pix.js runs the build in dist/; the
// installed executable is tested by package.test.ts).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
