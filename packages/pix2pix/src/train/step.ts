/** The training step for Node: step-core.ts with tfjs's gradients registered (gradients.ts). */
import "./gradients.ts";

export * from "./step-core.ts";
