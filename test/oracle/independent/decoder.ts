/**
 * `decoder_layer_v1` (README §5.5, the paper's equations, not official code): a pre-norm layer
 * around the naive V1 attention with a SwiGLU feed-forward.
 */
import type { CaseConfig } from './config.js';
import { diffV1Forward } from './diff-v1.js';
import { project, rmsNorm, sigmoid, type RopeTables } from './primitives.js';
import { fromFn, param, tokens, type ForwardResult, type Params, type Tensor } from './tensor.js';

/** The attention intermediates the README says the decoder files store (§5.5 "Also stored"). */
const STORED_ATTENTION_INTERMEDIATES = ['attn1', 'attn2', 'pre_subln', 'lambda_full', 'lambda_init'];

export function decoderForward(c: CaseConfig, p: Params, x: Tensor, rope: RopeTables): ForwardResult {
  const perToken = (t: Tensor, f: (v: Float64Array) => Float64Array): Tensor => {
    const rows = tokens(t).map((row) => row.map(f));
    return fromFn([c.batch, c.seqLen, rows[0][0].length], (b, s, ch) => rows[b][s][ch]);
  };
  const elementwise = (a: Tensor, f: (v: number, i: number) => number): Tensor => ({ shape: [...a.shape], data: a.data.map(f) });

  const n1 = perToken(x, (v) => rmsNorm(v, param(p, 'attn_norm.weight').data, c.normEps));
  const attention = diffV1Forward(c, p, n1, rope, 'naive', 'attn.');
  const a = attention.y;
  const h = elementwise(x, (v, i) => v + a.data[i]);
  const n2 = perToken(h, (v) => rmsNorm(v, param(p, 'ffn_norm.weight').data, c.normEps));
  const g = project(n2, param(p, 'ffn.w_g.weight'));
  const u = project(n2, param(p, 'ffn.w_1.weight'));
  const m = elementwise(g, (gi, i) => gi * sigmoid(gi) * u.data[i]); // swish(g) ⊙ u, swish = SiLU
  const f = project(m, param(p, 'ffn.w_2.weight'));
  const y = elementwise(h, (v, i) => v + f.data[i]);

  const intermediates = new Map<string, Tensor>([
    ['attn_norm_out', n1], ['attn_out', a], ['h', h], ['ffn_norm_out', n2],
    ['ffn_gate_pre', g], ['ffn_up', u], ['ffn_hidden_act', m], ['ffn_out', f],
  ]);
  for (const name of STORED_ATTENTION_INTERMEDIATES) intermediates.set(`attn.${name}`, attention.intermediates.get(name)!);
  const maps = new Map([...attention.maps].map(([name, m]) => [`attn.${name}`, m]));
  return { y, intermediates, maps };
}
