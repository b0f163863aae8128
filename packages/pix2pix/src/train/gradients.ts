/**
 * Registers tfjs's gradient functions, which training needs and tfjs-core's bundles leave out (the
 * union package @tensorflow/tfjs registers them; we depend on tfjs-core alone). They live in tfjs-core's
 * per-file ES module tree, whose extensionless imports Node's own loaders refuse; tsx's `require`
 * resolves them, and they register into the global registry that every copy of tfjs-core shares.
 * Node-only; importing it twice is harmless.
 */
import { require as tsxRequire } from "tsx/cjs/api";

tsxRequire("@tensorflow/tfjs-core/dist/register_all_gradients.js", import.meta.url);
