/**
 * A model's parameters as plain float64 tensors under canonical names, and the check that they are
 * exactly the parameters a config calls for: the one gate every loaded or exported model passes.
 */
import { DiffAttnError } from '../errors.js';
import type { F64Tensor } from '../io/golden.js';
import { parameterShapes, type ModelConfig } from './config.js';

/** Canonical parameters by canonical name (`embed.weight`, `layers.0.attn.q_proj.weight`, …). */
export type Params = ReadonlyMap<string, F64Tensor>;

/**
 * Throws unless `params` holds every parameter of `config` with its exact shape and nothing else.
 * All problems are listed in one message; the code is that of the first kind found, in the order
 * missing, unknown, shape.
 */
export function checkParams(config: ModelConfig, params: Params, source: string): void {
  const shapes = parameterShapes(config);
  const missing: string[] = [];
  const unknown: string[] = [];
  const wrong: string[] = [];
  for (const [name, shape] of shapes) {
    const t = params.get(name);
    if (!t) missing.push(`'${name}' [${shape.join(', ')}]`);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]) || t.data.length !== shape.reduce((p, d) => p * d, 1)) {
      wrong.push(`'${name}': expected shape [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
    }
  }
  for (const name of params.keys()) if (!shapes.has(name)) unknown.push(`'${name}'`);
  const problems = [
    missing.length ? `missing weights ${missing.join(', ')}` : '',
    unknown.length ? `unknown weights ${unknown.join(', ')}${config.tieEmbeddings && params.has('lm_head.weight') ? ' (tieEmbeddings is true: the head is the embedding)' : ''}` : '',
    ...wrong.map((w) => `weight ${w}`),
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new DiffAttnError(missing.length ? 'missing' : unknown.length ? 'unknown' : 'shape', `${source}: ${problems.join('; ')}`);
  }
}
