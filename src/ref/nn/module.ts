/**
 * `Module`: a named tree of parameters, as in PyTorch, so that a module's `stateDict()` keys are
 * exactly the official checkpoint's names (`q_proj.weight`, `subln.weight`, `lambda_q1`, …) and
 * official weights load with no translation table.
 */
import { DiffAttnError } from '../../errors.js';
import { Tensor } from '../tensor.js';

/** Anything with a shape and float64 values: a `Tensor`, or a tensor read from a file. */
export interface ParamValue {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

export interface LoadOptions {
  /** Ignore keys the module does not have instead of failing (default false). */
  allowUnknown?: boolean;
}

export abstract class Module {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Registers a trainable parameter under `name` and returns it. */
  protected param(name: string, value: Tensor): Tensor {
    value.requiresGrad = true;
    this.ownParams.set(name, value);
    return value;
  }

  /** Registers a child module; its parameters appear as `name.<child's names>`. */
  protected child<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** Every parameter with its full dotted name, in registration order. */
  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, p]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  /** The parameters by name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copies values into the parameters by name. Every parameter must be present with its exact
   * shape; keys the module does not have are errors unless `allowUnknown`. All problems are
   * collected and reported in one error, each naming the parameter, the expected and the actual.
   */
  loadStateDict(dict: ReadonlyMap<string, ParamValue> | Readonly<Record<string, ParamValue>>, opts: LoadOptions = {}): void {
    const entries = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const params = this.stateDict();
    const problems: string[] = [];
    for (const [name, p] of params) {
      const v = entries.get(name);
      if (!v) problems.push(`missing parameter '${name}' (expected shape [${p.shape.join(', ')}])`);
      else if (!sameShape(v.shape, p.shape)) {
        problems.push(`parameter '${name}': expected shape [${p.shape.join(', ')}], got [${v.shape.join(', ')}]`);
      }
    }
    if (!opts.allowUnknown) {
      for (const name of entries.keys()) if (!params.has(name)) problems.push(`unknown key '${name}'`);
    }
    if (problems.length > 0) {
      const code = problems.some((p) => p.startsWith('missing')) ? 'missing' : problems.some((p) => p.startsWith('unknown')) ? 'unknown' : 'shape';
      throw new DiffAttnError(code, `loadStateDict: ${problems.join('; ')}`);
    }
    for (const [name, p] of params) p.data.set(entries.get(name)!.data);
  }

  /** Clears the gradients of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
