/**
 * One attention module or one decoder layer on the engine, outside a language model: what it is
 * (`LayerSpec`) and the parameters it takes. Parameter names are the engine's per-layer names
 * (`parameterShapes` in src/model/config.ts without the `layers.<l>.` prefix: `attn_norm.weight`,
 * `attn.q_proj.weight`, …, `ffn.w_2.weight`), so a layer loads its weights as an `EngineModel` does;
 * a bare attention module takes only the `attn.*` ones.
 */
import { check } from '../../errors.js';
import { attentionLayout, type AttentionConfig, type AttentionLayout } from '../attention-desc.js';
import type { RotaryStyle } from '../kernels/rotary.js';

export interface LayerSpec {
  /** The fused attention kernel's config: kind, heads, q/k head size d, V1 pairing. */
  attention: AttentionConfig;
  /** Model width C: the width of the layer's input and output. */
  dModel: number;
  /**
   * The output projection's name: `out_proj` (DIFF V1, the baseline) or `o_proj` (the DIFF V2
   * module, which keeps the name when run without the difference as a plain attention).
   */
  outProj: 'out_proj' | 'o_proj';
  ropeStyle: RotaryStyle;
  /** Rotated channel pairs per q/k head: rotary dim / 2 (≤ d/2; the rest pass through). */
  rotaryHalf: number;
  /** DIFF V1 (required for it, refused otherwise): λinit's depth, the per-head norm's ε and gain. */
  v1?: { depth: number; sublnEps: number; sublnAffine: boolean };
  /** A pre-norm decoder layer around the attention (paper equation (4)); absent: the attention alone. */
  decoder?: { ffnHidden: number; normEps: number };
}

/** The validated attention layout of a spec (sizes and head tables of the kernel). */
export function layerLayout(spec: LayerSpec): AttentionLayout {
  const L = attentionLayout(spec.attention);
  check((L.kind === 'diff_v1') === (spec.v1 !== undefined), 'value', () =>
    `layer: the DIFF V1 options (depth, sublnEps, sublnAffine) go with attention kind 'diff_v1' only, got kind '${L.kind}' ${spec.v1 ? 'with' : 'without'} them`);
  check(Number.isInteger(spec.dModel) && spec.dModel >= 1, 'value', () => `layer: dModel must be a positive integer, got ${spec.dModel}`);
  check(Number.isInteger(spec.rotaryHalf) && spec.rotaryHalf >= 0 && 2 * spec.rotaryHalf <= L.d, 'value', () =>
    `layer: rotaryHalf must be an integer in [0, d/2 = ${L.d / 2}], got ${spec.rotaryHalf}`);
  if (spec.decoder) {
    check(Number.isInteger(spec.decoder.ffnHidden) && spec.decoder.ffnHidden >= 1, 'value', () =>
      `layer: decoder.ffnHidden must be a positive integer, got ${spec.decoder!.ffnHidden}`);
  }
  return L;
}

/** Every parameter's shape under the engine's per-layer names, in a fixed order. */
export function layerParamShapes(spec: LayerSpec, L: AttentionLayout): Map<string, number[]> {
  const C = spec.dModel;
  const shapes = new Map<string, number[]>();
  if (spec.decoder) shapes.set('attn_norm.weight', [C]);
  shapes.set('attn.q_proj.weight', [L.Hq * L.d, C]).set('attn.k_proj.weight', [L.Hk * L.d, C])
    .set('attn.v_proj.weight', [L.Hv * L.dv, C]).set(`attn.${spec.outProj}.weight`, [C, L.H * L.dv]);
  if (spec.v1) {
    for (const n of ['lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2']) shapes.set(`attn.${n}`, [L.d]);
    if (spec.v1.sublnAffine) shapes.set('attn.subln.weight', [L.dv]);
  }
  if (L.kind === 'diff_v2') shapes.set('attn.lambda_proj.weight', [L.H, C]);
  if (spec.decoder) {
    const F = spec.decoder.ffnHidden;
    shapes.set('ffn_norm.weight', [C]).set('ffn.w_g.weight', [F, C]).set('ffn.w_1.weight', [F, C]).set('ffn.w_2.weight', [C, F]);
  }
  return shapes;
}
