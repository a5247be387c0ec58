/**
 * Golden files of the official-code format (`diff-transformer-oracle/1`, described in
 * `test/fixtures/golden/README.md`): metadata → module, parameters under their official names
 * (already canonical), inputs, and the rope tables and head maps the semantics imply.
 */
import { check } from '../errors.js';
import type { F64Tensor, GoldenFile } from '../io/golden.js';
import { keyHeadForQueryHead, lambdaInit, ropeFrequencies, ropeTables, valueHeadForDiffHead, type RopeSchedule } from '../ref/index.js';
import type { RotaryStyle } from '../ref/ops/index.js';
import { buildRefModule } from './ref-backend.js';
import { asF64, intTensor, type GoldenCase, type ModuleSpec } from './golden-case.js';

/** The kinds of the official-code golden format. */
export const OFFICIAL_KINDS = ['diff_v1', 'diff_v1_flash1', 'diff_v2', 'baseline_v2', 'baseline', 'decoder_layer_v1'] as const;
export type OfficialKind = (typeof OFFICIAL_KINDS)[number];

export function parseOfficialCase(f: GoldenFile): GoldenCase {
  const kind = f.str('kind') as OfficialKind;
  check(OFFICIAL_KINDS.includes(kind), 'unsupported', () =>
    `${f.source}: kind '${kind}' is not one of ${OFFICIAL_KINDS.join(', ')}`);
  check(f.bool('causal', true), 'unsupported', () => `${f.source}: only causal attention is specified by the format (causal = false)`);
  const module = moduleSpec(f, kind, f.bool('interleaved', true) ? 'interleaved' : 'half');
  const x = f.f64('x');
  check(x.shape.length === 3, 'shape', () => `${f.source}: x must be [B, T, E], got [${x.shape}]`);
  const [B, T] = x.shape;
  check(B === f.int('batch') && T === f.int('seq_len'), 'format', () =>
    `${f.source}: x is [${x.shape}] but metadata says batch ${f.str('batch')}, seq_len ${f.str('seq_len')}`);

  const rotaryDim = f.int('rotary_dim');
  const schedule = f.str('rope_schedule') as RopeSchedule;
  check(schedule === 'standard' || schedule === 'yoco_linspace', 'unsupported', () =>
    `${f.source}: rope_schedule '${schedule}' is not 'standard' or 'yoco_linspace'`);
  const rebuilt = ropeTables(T, ropeFrequencies(rotaryDim, f.num('rope_theta'), schedule));
  // The stored tables are what the official run used; rebuilt ones stand in when a file omits them.
  const table = (name: 'rope.cos' | 'rope.sin', fallback: F64Tensor): F64Tensor => {
    const t = f.has(name) ? f.f64(name) : fallback;
    check(t.shape.length === 2 && t.shape[0] >= T && t.shape[1] === rotaryDim / 2, 'shape', () =>
      `${f.source}: ${name} must be [≥${T}, ${rotaryDim / 2}] (rotary_dim ${rotaryDim}), got [${t.shape}]`);
    return t;
  };
  if (f.has('rope.positions')) {
    check(f.f64('rope.positions').data.every((p, t) => p === t), 'unsupported', () =>
      `${f.source}: rope.positions must be 0 … T−1 (the rows of the tables); other positions are not part of the format`);
  }
  const params = new Map([...buildRefModule(module).stateDict().keys()].map((n) => [n, f.f64(n)]));
  return {
    kind, module, params,
    task: { type: 'module', x, gradY: f.f64('grad_y'), rope: { cos: table('rope.cos', asF64(rebuilt.cos)), sin: table('rope.sin', asF64(rebuilt.sin)) } },
    inputs: new Set([...params.keys(), 'x', 'grad_y', 'rope.positions']),
    derived: new Map([['rope.cos', asF64(rebuilt.cos)], ['rope.sin', asF64(rebuilt.sin)], ...headMaps(module, kind === 'decoder_layer_v1' ? 'attn.' : '')]),
    toFile: (results) => results,
  };
}

function moduleSpec(f: GoldenFile, kind: OfficialKind, ropeStyle: RotaryStyle): ModuleSpec {
  const numKvHeads = f.int('num_kv_heads');
  const headDim = f.int('head_dim');
  switch (kind) {
    case 'diff_v1':
    case 'diff_v1_flash1':
    case 'decoder_layer_v1': {
      const depth = f.int('depth');
      const stated = f.num('lambda_init');
      check(Math.abs(stated - lambdaInit(depth)) <= 1e-15, 'format', () =>
        `${f.source}: lambda_init ${stated} disagrees with 0.8 − 0.6·exp(−0.3·${depth}) = ${lambdaInit(depth)}`);
      const attn = {
        embedDim: f.int('embed_dim'), numHeads: f.int('num_heads'), numKvHeads, headDim, depth, ropeStyle,
        pairing: kind === 'diff_v1_flash1' ? 'paper' : 'naive', sublnEps: f.numOr('subln_eps', 1e-5),
      } as const;
      if (kind !== 'decoder_layer_v1') return { type: 'diff_v1', config: attn };
      return {
        type: 'decoder',
        config: {
          attention: 'diff_v1', dModel: attn.embedDim, numHeads: attn.numHeads, numKvHeads, headDim, depth, ropeStyle,
          pairing: 'naive', sublnEps: attn.sublnEps, normEps: f.num('norm_eps'), ffnHidden: f.int('ffn_hidden'),
        },
      };
    }
    case 'diff_v2':
    case 'baseline_v2':
      return {
        type: 'diff_v2',
        config: { dModel: f.int('d_model'), numHeads: f.int('num_heads'), numKvHeads, headDim, ropeStyle, useDiff: f.bool('use_diff_v2', kind === 'diff_v2') },
      };
    case 'baseline':
      return { type: 'baseline', config: { embedDim: f.int('embed_dim'), numHeads: f.int('num_heads'), numKvHeads, headDim, ropeStyle } };
  }
}

// The `map.*` tensors the format defines, recomputed from the semantics (README §5).
function headMaps(m: ModuleSpec, prefix: string): Array<[string, F64Tensor]> {
  const groupMap = (nq: number, nkv: number): number[] => Array.from({ length: nq }, (_, h) => Math.floor(h / (nq / nkv)));
  switch (m.type) {
    case 'diff_v1':
    case 'decoder': {
      const { numHeads: H, numKvHeads: Hkv = H, pairing = 'paper' } = m.config;
      return [
        [`${prefix}map.k_head_for_q_head`, intTensor(keyHeadForQueryHead(H, Hkv, pairing))],
        [`${prefix}map.v_head_for_diff_head`, intTensor(valueHeadForDiffHead(H, Hkv))],
      ];
    }
    case 'diff_v2': {
      const nq = (m.config.useDiff ?? true) ? 2 * m.config.numHeads : m.config.numHeads;
      return [['map.kv_head_for_q_head', intTensor(groupMap(nq, m.config.numKvHeads ?? m.config.numHeads))]];
    }
    case 'baseline':
      return [['map.kv_head_for_q_head', intTensor(groupMap(m.config.numHeads, m.config.numKvHeads ?? m.config.numHeads))]];
    case 'lm':
      return [];
  }
}
