/**
 * Random attention cases for the kernel tests, the engine calls that run them, and the
 * comparison against the float64 oracle (attention-reference.ts) within the derived bounds
 * (attention-bounds.ts).
 */
import fc from 'fast-check';
import type { Engine } from '../../src/engine/index.js';
import { Attention, type AttentionScalars } from '../../src/engine/attention.js';
import { type BackwardResult, type ForwardResult, attentionBackward, attentionForward } from '../../src/engine/attention-arrays.js';
import { type AttentionConfig, type AttentionKind, attentionLayout } from '../../src/engine/attention-desc.js';
import { Rng } from '../../src/ref/random.js';
import type { AttentionCase } from './attention-reference.js';

/** Head sizes: 1 … 8 (multiples of 4 and not), odd 33, and the benchmark's 64. */
export const HEAD_DIMS = [1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 33, 64];

/** What a case is drawn from; `caseFrom` turns it into arrays. */
export interface CaseSpec {
  config: AttentionConfig;
  B: number;
  T: number;
  seed: number;
  /** Standard deviation of q and k (1/√d·scale … sharper maps for larger values). */
  qkScale: number;
  lambda: number;
  lambdaInit: number;
  eps: number;
  withGain: boolean;
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((x) => n % x === 0);
}

/**
 * A config: any kind, 1 … 4 output heads, every valid KV-head count (MHA, GQA, MQA, odd groups),
 * both V1 pairings, and sometimes one P·V per map instead of one on the combined maps.
 */
export function configArb(kinds: readonly AttentionKind[] = ['baseline', 'diff_v1', 'diff_v2']): fc.Arbitrary<AttentionConfig> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    numHeads: fc.integer({ min: 1, max: 4 }),
    headDim: fc.constantFrom(...HEAD_DIMS),
    pairing: fc.constantFrom('paper' as const, 'naive' as const),
    splitValueProducts: fc.boolean(),
  }).chain((c) => fc.constantFrom(...divisors(c.kind === 'diff_v2' ? 2 * c.numHeads : c.numHeads))
    .map((numKvHeads) => ({ ...c, numKvHeads })));
}

/** A full case spec: T from 1 to 70 (block edges at 32 included), λ negative and above 1. */
export function caseSpecArb(opts: { kinds?: readonly AttentionKind[]; maxT?: number } = {}): fc.Arbitrary<CaseSpec> {
  return fc.record({
    config: configArb(opts.kinds),
    B: fc.integer({ min: 1, max: 2 }),
    T: fc.oneof(fc.integer({ min: 1, max: opts.maxT ?? 70 }), fc.constantFrom(1, 31, 32, 33, 64, 65)),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    qkScale: fc.constantFrom(0.3, 1, 3),
    lambda: fc.double({ min: -3, max: 3, noNaN: true }).map(Math.fround),
    lambdaInit: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
    eps: fc.constantFrom(1e-5, 1e-6),
    withGain: fc.boolean(),
  });
}

/** The arrays of a spec, drawn from its seed (normal q, k, v, dy; gain with a zero; σ ∈ (0, 1)). */
export function caseFrom(s: CaseSpec): AttentionCase {
  const L = attentionLayout(s.config);
  const rng = new Rng(s.seed);
  const { B, T } = s;
  const f32 = (n: number, sd: number): Float32Array => Float32Array.from(rng.normalArray(n, sd));
  const gain = L.kind === 'diff_v1' && s.withGain ? f32(L.dv, 1) : null;
  if (gain !== null) gain[0] = 0; // a zero gain channel: its dO still flows through the norm
  return {
    L, B, T,
    q: f32(B * T * L.Hq * L.d, s.qkScale), k: f32(B * T * L.Hk * L.d, s.qkScale), v: f32(B * T * L.Hv * L.dv, 1),
    dy: f32(B * T * L.H * L.dv, 1),
    lambda: s.lambda, lambdaInit: s.lambdaInit, eps: s.eps, gain,
    sigma: L.kind === 'diff_v2' ? Float32Array.from(rng.uniformArray(B * T * L.H, 0, 1)) : null,
  };
}

/** The V1 scalars of a case (none for the others). */
export function scalarsOf(c: AttentionCase): AttentionScalars {
  return c.L.kind === 'diff_v1' ? { lambda: c.lambda, lambdaInit: c.lambdaInit, eps: c.eps } : {};
}

/** A layer's kernels for a case's config, descriptor in the engine's arena. */
export function attentionFor(engine: Engine, config: AttentionConfig): Attention {
  return Attention.create(engine.wasm, engine.arena, config);
}

/** Runs the forward of a case. */
export function runForward(engine: Engine, attn: Attention, c: AttentionCase): ForwardResult {
  return attentionForward(attn, engine.arena, {
    B: c.B, T: c.T, q: c.q, k: c.k, v: c.v, sigma: c.sigma ?? undefined, gain: c.gain,
  }, scalarsOf(c));
}

/** Runs the forward, then the backward from its saved statistics. */
export function runBackward(engine: Engine, attn: Attention, c: AttentionCase): { fwd: ForwardResult; bwd: BackwardResult } {
  const fwd = runForward(engine, attn, c);
  const bwd = attentionBackward(attn, engine.arena, {
    B: c.B, T: c.T, q: c.q, k: c.k, v: c.v, sigma: c.sigma ?? undefined, gain: c.gain, lse: fwd.lse, rstd: fwd.rstd, dy: c.dy,
  }, scalarsOf(c));
  return { fwd, bwd };
}

/**
 * Null when every |got − want| ≤ bound (elementwise), else a message naming the worst element.
 * NaN anywhere fails.
 */
export function exceedance(name: string, got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>): string | null {
  if (got.length !== want.length) return `${name}: ${got.length} values, expected ${want.length}`;
  let worst = -1;
  let ratio = 1;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const r = err / bound[i];
    if (!(err <= bound[i]) && !(r <= ratio)) {
      worst = i;
      ratio = Number.isNaN(r) ? Infinity : r;
    }
  }
  return worst < 0 ? null
    : `${name}[${worst}]: got ${got[worst]}, reference ${want[worst]}, error ${Math.abs(got[worst] - want[worst])} > bound ${bound[worst]} (×${ratio.toPrecision(3)})`;
}

/** Throws the first failure of a list of exceedance results. */
export function assertWithin(...checks: Array<string | null>): void {
  const failure = checks.find((x) => x !== null);
  if (failure !== undefined) throw new Error(failure ?? '');
}
