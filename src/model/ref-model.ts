/**
 * Between model data (config + float64 parameters) and the reference `DiffTransformerLM`.
 */
import { DiffTransformerLM } from '../ref/index.js';
import { resolveConfig } from './config.js';
import type { ModelData } from './folder.js';
import { checkParams } from './params.js';

/** A reference model holding `m`'s parameters (copied). Its `config` is `m.config` (with maxContext). */
export function toRefModel(m: ModelData): DiffTransformerLM {
  checkParams(m.config, m.params, 'toRefModel');
  const lm = new DiffTransformerLM(m.config);
  lm.loadStateDict(m.params);
  return lm;
}

/** The config (resolved; maxContext from the model's config when it has one) and a copy of the parameters. */
export function fromRefModel(lm: DiffTransformerLM): ModelData {
  return {
    config: resolveConfig(lm.config),
    params: new Map(lm.namedParameters().map(([name, p]) => [name, { shape: [...p.shape], data: p.data.slice() }])),
  };
}
