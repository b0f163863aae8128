/**
 * A loss's gradients with respect to parameters, each handed over as soon as backpropagation has
 * finished it, with backpropagation's memory released as it goes, as PyTorch's autograd does.
 *
 * tfjs keeps every tensor a taped operation saved for its gradient, and every intermediate gradient,
 * until the whole backward pass ends, and tf.variableGrads returns every parameter's gradient at once:
 * for pix2pix's generator at 256 px, its activations, their gradients and a gradient of each of its
 * 54 M weights were all alive together at the end of the pass. Here, in the outermost backward pass
 * (the one after which tfjs discards the tape), each operation, once its inputs' gradients are
 * computed, disposes the tensors it saved and its outputs' gradients, which nothing reads again. A
 * parameter that feeds one taped operation alone has its final gradient right then: `onGradient`
 * gets it, and it is disposed after. Parameters feeding several operations get theirs when the pass
 * ends.
 *
 * This wraps the gradient function of each tape node tfjs records while it runs; tfjs-core has no
 * hook for it, so it reaches the engine's tape (`addTapeNode`, `state`), checked on first use.
 */
import * as tf from "@tensorflow/tfjs-core";

type Gradients = Record<string, () => tf.Tensor>;

interface TapeNode {
  readonly inputs: Readonly<Record<string, tf.Tensor>>;
  readonly outputs: readonly tf.Tensor[];
  readonly saved?: readonly tf.Tensor[];
  gradient?: (dys: readonly (tf.Tensor | null)[]) => Gradients;
}

interface TapeEngine {
  readonly state: { readonly activeTape: readonly TapeNode[] | null; readonly gradientDepth: number };
  addTapeNode(...args: unknown[]): void;
}

function tapeEngine(): TapeEngine {
  const engine = tf.engine() as unknown as Partial<TapeEngine>;
  if (typeof engine.addTapeNode !== "function" || typeof engine.state?.gradientDepth !== "number") {
    throw new Error("gradientsAsTheyComplete: this tfjs-core's engine has no tape to hook into");
  }
  return engine as TapeEngine;
}

interface TapeTrace {
  readonly fromParams: ReadonlySet<number>;
  readonly uses: ReadonlyMap<number, number>;
}

/** One call's parameters and listener, while its forward and backward passes run. */
class Collection {
  /** Parameters by tensor id. */
  private readonly keys: ReadonlyMap<number, string>;
  /** The tape read when backpropagation starts (see traceTape). */
  private trace: TapeTrace | null = null;
  /** Parameters whose gradient went to `onGradient` already. */
  readonly delivered = new Set<string>();
  /** Delivered gradients, disposed once tfjs has stored them (it does right after the gradient returns). */
  private readonly spent: tf.Tensor[] = [];

  constructor(
    private readonly engine: TapeEngine,
    params: ReadonlyMap<string, tf.Variable>,
    private readonly onGradient: (key: string, grad: tf.Tensor) => void,
  ) {
    this.keys = new Map([...params].map(([key, p]) => [p.id, key]));
  }

  /** `gradient` with its thunks releasing and delivering as described above, in the outermost pass only. */
  releasing(node: TapeNode, gradient: NonNullable<TapeNode["gradient"]>): TapeNode["gradient"] {
    return (dys) => {
      const thunks = gradient(dys);
      if (this.engine.state.gradientDepth !== 0) return thunks;
      this.disposeSpent();
      this.trace ??= this.traceTape(node);
      const { fromParams } = this.trace;
      // tfjs asks for the gradients of the inputs that depend on the parameters, no others.
      const names = Object.keys(node.inputs).filter((name) => fromParams.has(node.inputs[name]?.id ?? -1));
      const computed = new Map<string, tf.Tensor>();
      const wrapped: Gradients = { ...thunks };
      for (const name of names) {
        const thunk = thunks[name];
        if (thunk === undefined) continue;
        wrapped[name] = () => {
          const dx = thunk();
          computed.set(name, dx);
          if (computed.size === names.length) this.finished(node, dys, computed);
          return dx;
        };
      }
      return wrapped;
    };
  }

  disposeSpent(): void {
    for (const t of this.spent.splice(0)) t.dispose();
  }

  /**
   * What backpropagation will visit, as tfjs works it out, given the first operation it visits (the
   * one that made the loss): the tensors that depend on the parameters, and how many of the
   * operations the loss depends on read each parameter. The tape holds others too, such as the copies
   * tfjs makes of the tensors an operation saves, which read them but lead nowhere.
   */
  private traceTape(first: TapeNode): TapeTrace {
    const tape = this.engine.state.activeTape ?? [];
    const fromParams = new Set(this.keys.keys());
    for (const node of tape) {
      if (Object.values(node.inputs).some((t) => fromParams.has(t.id))) {
        for (const t of node.outputs) fromParams.add(t.id);
      }
    }
    const uses = new Map<number, number>();
    const needed = new Set(first.outputs.map((t) => t.id));
    for (let i = tape.length - 1; i >= 0; i--) {
      const node = tape[i] as TapeNode;
      if (!node.outputs.some((t) => needed.has(t.id))) continue;
      for (const input of Object.values(node.inputs)) {
        needed.add(input.id);
        if (this.keys.has(input.id)) uses.set(input.id, (uses.get(input.id) ?? 0) + 1);
      }
    }
    return { fromParams, uses };
  }

  private finished(
    node: TapeNode,
    dys: readonly (tf.Tensor | null)[],
    computed: ReadonlyMap<string, tf.Tensor>,
  ) {
    const results = new Set(computed.values());
    for (const t of [...dys, ...(node.saved ?? [])]) if (t !== null && !results.has(t)) t.dispose();
    for (const [name, dx] of computed) {
      const id = node.inputs[name]?.id ?? -1;
      const key = this.keys.get(id);
      if (key === undefined || this.trace?.uses.get(id) !== 1 || this.delivered.has(key)) continue;
      this.onGradient(key, dx);
      this.delivered.add(key);
      this.spent.push(dx);
    }
  }
}

let current: Collection | null = null;
const hooked = new WeakSet<TapeEngine>();

function hook(engine: TapeEngine): void {
  if (hooked.has(engine)) return;
  hooked.add(engine);
  const addTapeNode = engine.addTapeNode;
  engine.addTapeNode = function (this: TapeEngine, ...args: unknown[]) {
    addTapeNode.apply(this, args);
    const tape = this.state.activeTape;
    const node = tape?.[tape.length - 1];
    if (current !== null && node?.gradient !== undefined)
      node.gradient = current.releasing(node, node.gradient);
  };
}

/**
 * tf.variableGrads(f, params) with each parameter's gradient handed to `onGradient` (once, by key)
 * instead of returned: as soon as it is final where it can be, the rest when backpropagation ends.
 * Returns f's value. Gradients may not outlive `onGradient`'s call: they are disposed after it.
 */
export function gradientsAsTheyComplete(
  f: () => tf.Scalar,
  params: ReadonlyMap<string, tf.Variable>,
  onGradient: (key: string, grad: tf.Tensor) => void,
): tf.Scalar {
  const engine = tapeEngine();
  hook(engine);
  const collection = new Collection(engine, params, onGradient);
  const outer = current;
  current = collection;
  try {
    const { value, grads } = tf.variableGrads(f, [...params.values()]);
    collection.disposeSpent();
    for (const [key, p] of params) {
      if (collection.delivered.has(key)) continue;
      const grad = grads[p.name];
      if (grad === undefined) throw new Error(`no gradient reached parameter ${key}`);
      onGradient(key, grad);
      grad.dispose();
    }
    return value;
  } finally {
    current = outer;
  }
}
