/**
 * Registers tfjs's gradient functions, which training needs and tfjs-core's bundles leave out (the
 * union package @tensorflow/tfjs registers them; we depend on tfjs-core alone). They live in tfjs-core's
 * per-file ES module tree, whose extensionless relative imports (`./base`) Node's resolver refuses: a
 * resolve hook, limited to the modules of that tree, adds the `.js`. They register into the global
 * registry that every copy of tfjs-core shares. Node-only; importing it twice is harmless.
 */
import { register } from "node:module";

const entry = import.meta.resolve("@tensorflow/tfjs-core/dist/register_all_gradients.js");
const hooks = `const tree = ${JSON.stringify(new URL("./", entry).href)};
export function resolve(specifier, context, next) {
  const extensionless = specifier.startsWith(".") && !specifier.endsWith(".js");
  return next(extensionless && context.parentURL?.startsWith(tree) ? specifier + ".js" : specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
await import(entry);
