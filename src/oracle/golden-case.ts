/**
 * What a golden file asks for: which module to build (from its metadata), the inputs to feed it,
 * and the head maps its semantics imply. Shared by every backend, so `ref` and `wasm` run the
 * same case. The format is described in `test/fixtures/golden/README.md`.
 */
import { check } from '../errors.js';
import type { F64Tensor, GoldenFile } from '../io/golden.js';
import {
  keyHeadForQueryHead, lambdaInit, ropeFrequencies, ropeTables, valueHeadForDiffHead,
  type AttentionConfig, type DecoderLayerConfig, type DiffAttnConfig, type DiffAttnV2Config, type RopeSchedule,
} from '../ref/index.js';
import type { RotaryStyle } from '../ref/ops/index.js';

/** The kinds of the official-code golden format. */
export const GOLDEN_KINDS = ['diff_v1', 'diff_v1_flash1', 'diff_v2', 'baseline_v2', 'baseline', 'decoder_layer_v1'] as const;
export type GoldenKind = (typeof GOLDEN_KINDS)[number];

/** The module a case builds, with the reference config it needs. */
export type ModuleSpec =
  | { type: 'diff_v1'; config: DiffAttnConfig }
  | { type: 'diff_v2'; config: DiffAttnV2Config }
  | { type: 'baseline'; config: AttentionConfig }
  | { type: 'decoder'; config: DecoderLayerConfig };

export interface GoldenCase {
  kind: GoldenKind;
  module: ModuleSpec;
  /** [B, T, E] input and the upstream gradient seeding backward. */
  x: F64Tensor;
  gradY: F64Tensor;
  /** The tables the file stores ([T, r/2]); the computation uses these. */
  rope: { cos: F64Tensor; sin: F64Tensor; style: RotaryStyle };
  /** Tables rebuilt from rope_theta / rope_schedule / rotary_dim, checked against the stored ones. */
  rebuiltRope: { cos: F64Tensor; sin: F64Tensor };
  /** Head maps implied by the semantics, by tensor name (compared with the file's `map.*`). */
  maps: Map<string, number[]>;
  /** Input tensors the case consumes besides parameters (not compared as outputs). */
  inputs: Set<string>;
}

/** Reads a golden file's metadata into a case, with errors that name the file and the key. */
export function parseGoldenCase(f: GoldenFile): GoldenCase {
  const kind = f.str('kind') as GoldenKind;
  check(GOLDEN_KINDS.includes(kind), 'unsupported', () =>
    `${f.source}: kind '${kind}' is not one of ${GOLDEN_KINDS.join(', ')}`);
  check(f.bool('causal', true), 'unsupported', () => `${f.source}: only causal attention is specified by the format (causal = false)`);
  const style: RotaryStyle = f.bool('interleaved', true) ? 'interleaved' : 'half';
  const module = moduleSpec(f, kind, style);
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
  const cos = f.has('rope.cos') ? f.f64('rope.cos') : { shape: [...rebuilt.cos.shape], data: rebuilt.cos.data };
  const sin = f.has('rope.sin') ? f.f64('rope.sin') : { shape: [...rebuilt.sin.shape], data: rebuilt.sin.data };
  for (const [name, t] of [['rope.cos', cos], ['rope.sin', sin]] as const) {
    check(t.shape.length === 2 && t.shape[0] >= T && t.shape[1] === rotaryDim / 2, 'shape', () =>
      `${f.source}: ${name} must be [≥${T}, ${rotaryDim / 2}] (rotary_dim ${rotaryDim}), got [${t.shape}]`);
  }
  if (f.has('rope.positions')) {
    const pos = f.f64('rope.positions').data;
    check(pos.every((p, t) => p === t), 'unsupported', () =>
      `${f.source}: rope.positions must be 0 … T−1 (the rows of the tables); other positions are not part of the format`);
  }
  return {
    kind, module, x, gradY: f.f64('grad_y'), rope: { cos, sin, style },
    rebuiltRope: { cos: { shape: [...rebuilt.cos.shape], data: rebuilt.cos.data }, sin: { shape: [...rebuilt.sin.shape], data: rebuilt.sin.data } },
    maps: headMaps(module, kind === 'decoder_layer_v1' ? 'attn.' : ''),
    inputs: new Set(['x', 'grad_y', 'rope.cos', 'rope.sin', 'rope.positions']),
  };
}

function moduleSpec(f: GoldenFile, kind: GoldenKind, ropeStyle: RotaryStyle): ModuleSpec {
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
        config: {
          dModel: f.int('d_model'), numHeads: f.int('num_heads'), numKvHeads, headDim, ropeStyle,
          useDiff: f.bool('use_diff_v2', kind === 'diff_v2'),
        },
      };
    case 'baseline':
      return { type: 'baseline', config: { embedDim: f.int('embed_dim'), numHeads: f.int('num_heads'), numKvHeads, headDim, ropeStyle } };
  }
}

// The `map.*` tensors the format defines, recomputed from the semantics (README §5).
function headMaps(m: ModuleSpec, prefix: string): Map<string, number[]> {
  const groupMap = (nq: number, nkv: number): number[] => Array.from({ length: nq }, (_, h) => Math.floor(h / (nq / nkv)));
  switch (m.type) {
    case 'diff_v1':
    case 'decoder': {
      const { numHeads: H, numKvHeads: Hkv = H, pairing = 'paper' } = m.config;
      return new Map([
        [`${prefix}map.k_head_for_q_head`, keyHeadForQueryHead(H, Hkv, pairing)],
        [`${prefix}map.v_head_for_diff_head`, valueHeadForDiffHead(H, Hkv)],
      ]);
    }
    case 'diff_v2': {
      const nq = (m.config.useDiff ?? true) ? 2 * m.config.numHeads : m.config.numHeads;
      return new Map([['map.kv_head_for_q_head', groupMap(nq, m.config.numKvHeads ?? m.config.numHeads)]]);
    }
    case 'baseline':
      return new Map([['map.kv_head_for_q_head', groupMap(m.config.numHeads, m.config.numKvHeads ?? m.config.numHeads)]]);
  }
}
