/**
 * `config.json` of the `diffattn/1` flavour: `"format": "diffattn/1"`, every `ModelConfig` field
 * under its own name (no defaults: a checkpoint states its model completely), and `"tokenizer"`.
 */
import { ATTENTION_KINDS, validateConfig, type ModelConfig } from './config.js';
import { JsonFields } from './folder-json.js';
import { TOKENIZER_FILE, type TokenizerRef } from './folder.js';

export const DIFFATTN_FORMAT = 'diffattn/1';

type FieldType = 'int' | 'number' | 'bool' | readonly string[];

/** Each field's JSON type; the `Record` over `keyof ModelConfig` makes a new field a compile error here. */
const FIELDS: Record<keyof ModelConfig, FieldType> = {
  attention: ATTENTION_KINDS, vocabSize: 'int', dModel: 'int', numLayers: 'int', numHeads: 'int', numKvHeads: 'int',
  headDim: 'int', ffnHidden: 'int', rotaryDim: 'int', ropeTheta: 'number', ropeSchedule: ['standard', 'yoco_linspace'],
  ropeStyle: ['interleaved', 'half'], normEps: 'number', sublnEps: 'number', sublnAffine: 'bool', pairing: ['paper', 'naive'],
  tieEmbeddings: 'bool', maxContext: 'int',
};

/** The config.json object of a model (keys in `FIELDS` order). */
export function diffattnConfigJson(c: ModelConfig, tokenizer: TokenizerRef): Record<string, unknown> {
  const fields = Object.fromEntries(Object.keys(FIELDS).map((k) => [k, c[k as keyof ModelConfig]]));
  return { format: DIFFATTN_FORMAT, ...fields, tokenizer };
}

/** Reads and validates a diffattn/1 config.json; errors name the file and the key. */
export function parseDiffattnConfig(json: unknown, source: string): { config: ModelConfig; tokenizer: TokenizerRef } {
  const f = new JsonFields(source, json);
  f.oneOf('format', [DIFFATTN_FORMAT]);
  const config = Object.fromEntries(Object.entries(FIELDS).map(([k, t]) => {
    const v = t === 'int' ? f.int(k) : t === 'number' ? f.num(k) : t === 'bool' ? f.bool(k) : f.oneOf(k, t);
    return [k, v];
  })) as unknown as ModelConfig;
  const tokenizer = f.has('tokenizer') ? f.oneOf('tokenizer', ['bytes', TOKENIZER_FILE]) : null;
  f.rejectUnknown();
  validateConfig(config, source);
  return { config, tokenizer };
}
