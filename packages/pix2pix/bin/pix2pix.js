#!/usr/bin/env node
// The CLI runs from TypeScript source through tsx, so there is no build output to go stale.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
