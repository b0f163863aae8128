/**
 * Registers tfjs's gradient functions, which training needs and tfjs-core's bundles leave out (the
 * union package @tensorflow/tfjs registers them; we depend on tfjs-core alone). They live in tfjs-core's
 * per-file ES module tree, whose extensionless imports Node's ESM resolver refuses; loaded through
 * `require` (transpiled by tsx, which the CLI and the tests run under) they resolve, and register into
 * the global registry every copy of tfjs-core shares. Node-only; importing it twice is harmless.
 */
import { createRequire } from "node:module";

createRequire(import.meta.url)("@tensorflow/tfjs-core/dist/register_all_gradients.js");
