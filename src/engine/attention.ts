/**
 * Host side of the fused causal attention kernels (assembly/attention-*.ts): DIFF V1, DIFF V2 and
 * the baseline, prefill forward and backward, KV-cache writes and single-token decode.
 *
 * Layouts (token-major, as the projections' GEMMs produce them; H output heads, M maps each):
 *   q: [B·T, M·H·d]   k: [B·T, Hk·d]   v: [B·T, Hv·dv]   → out: [B·T, H·dv] (head-major channels)
 *   lse: [B, M·H, T] (natural log-sum-exp per map and row)   rstd: [B, H, T] (V1 norm)
 *   σ (V2): [B·T, H]   gain (V1): [dv] or none
 *   kCache: [B, maxT, Hk·d]   vCache: [B, maxT, Hv·dv]
 * with the head counts of `attentionLayout` (attention-desc.ts).
 *
 * An `Attention` owns a descriptor (64 bytes + head tables) in linear memory; each call writes
 * its per-call fields (B, T, λ, …) and validates every size, scalar and pointer before the kernel
 * runs, so bad input throws a `DiffAttnError` naming the argument. The pointer-level methods are
 * for the engine (planned memory, nothing copied); attention-arrays.ts stages Float32Arrays.
 */
import { check } from '../errors.js';
import type { Arena } from './arena.js';
import {
  type AttentionConfig, type AttentionLayout, type DescriptorCall, attentionLayout, descriptorBytes, writeDescriptor,
} from './attention-desc.js';
import { type Region, checkNumber, checkRegions, checkSize, isF32Finite, region } from './kernels/boundary.js';
import type { WasmModule } from './wasm.js';

/** Raw exports of assembly/attention-*.ts (all pointers are byte offsets). */
export interface AttentionExports {
  attention_forward(desc: number, q: number, k: number, v: number, out: number, lse: number, rstd: number, scratch: number): void;
  attention_forward_scratch_bytes(desc: number): number;
  attention_backward(desc: number, q: number, k: number, v: number, lse: number, rstd: number, dy: number,
    dq: number, dk: number, dv: number, dcoef: number, dgain: number, scratch: number): void;
  attention_backward_scratch_bytes(desc: number): number;
  attention_decode(desc: number, q: number, kNew: number, vNew: number, kCache: number, vCache: number,
    maxT: number, pos: number, out: number, scratch: number): void;
  attention_decode_scratch_bytes(desc: number, maxT: number): number;
  attention_cache_write(desc: number, k: number, v: number, kCache: number, vCache: number, maxT: number, pos: number, n: number): void;
}

/** The variant's scalars: V1 needs λ and λinit (ε defaults to 1e-5); the others take none. */
export interface AttentionScalars {
  lambda?: number;
  lambdaInit?: number;
  eps?: number;
}

/** Pointers of a prefill forward; lse, rstd 0 to skip; sigma (V2) and gain (V1, optional) else 0. */
export interface ForwardPtrs {
  q: number; k: number; v: number; out: number; lse: number; rstd: number; sigma: number; gain: number; scratch: number;
}

/** Pointers of a backward: the forward's inputs and saved statistics, dy, and the outputs. */
export interface BackwardPtrs {
  q: number; k: number; v: number; lse: number; rstd: number; sigma: number; gain: number; dy: number;
  dq: number; dk: number; dv: number;
  /** V1: dλ [1]; V2: dσ [B·T, H]; 0 to skip. */
  dcoef: number;
  /** V1 with a gain: d(gain) [dv]; 0 to skip. */
  dgain: number;
  scratch: number;
}

/** Pointers of a decode step (q, kNew, vNew, out: one row per batch row). */
export interface DecodePtrs {
  q: number; kNew: number; vNew: number; kCache: number; vCache: number; out: number; sigma: number; gain: number; scratch: number;
}

export class Attention {
  readonly layout: AttentionLayout;
  private readonly x: AttentionExports;

  /** A layer's kernels with their descriptor at `desc` (`descriptorBytes(layout)` bytes). */
  constructor(readonly wasm: WasmModule, config: AttentionConfig, readonly desc: number) {
    this.layout = attentionLayout(config);
    this.x = wasm.exports as unknown as AttentionExports;
    check(typeof this.x.attention_forward === 'function', 'unsupported', () =>
      `attention: the loaded WebAssembly module (${wasm.source}) has no attention kernels; rebuild it with \`npm run build:wasm\``);
    checkRegions('attention', wasm, [region('descriptor', desc, descriptorBytes(this.layout) / 4, true)]);
  }

  /** Allocates the descriptor from `arena` (once per layer) and returns the layer's kernels. */
  static create(wasm: WasmModule, arena: Arena, config: AttentionConfig): Attention {
    return new Attention(wasm, config, arena.alloc(descriptorBytes(attentionLayout(config)), 64));
  }

  /** Scratch bytes of a forward over B×T tokens (linear in T; the kernels' peak extra memory). */
  forwardScratchBytes(B: number, T: number): number {
    this.describe(B, T, {}, 0, 0, false);
    return this.x.attention_forward_scratch_bytes(this.desc);
  }

  /** Scratch bytes of a backward over B×T tokens (linear in T). */
  backwardScratchBytes(B: number, T: number): number {
    this.describe(B, T, {}, 0, 0, false);
    return this.x.attention_backward_scratch_bytes(this.desc);
  }

  /** Scratch bytes of a decode step against a cache of maxT positions. */
  decodeScratchBytes(B: number, maxT: number): number {
    checkSize('attention_decode', 'maxT', maxT);
    this.describe(B, 1, {}, 0, 0, false);
    return this.x.attention_decode_scratch_bytes(this.desc, maxT);
  }

  /** Prefill forward on operands in linear memory (shapes in the file comment). */
  forwardPtr(B: number, T: number, p: ForwardPtrs, scalars: AttentionScalars = {}): void {
    const op = 'attention_forward';
    this.describe(B, T, scalars, p.sigma, p.gain, true);
    const L = this.layout;
    const scratch = this.x.attention_forward_scratch_bytes(this.desc);
    checkRegions(op, this.wasm, [
      ...this.inputs(B, T, p), region('out', p.out, B * T * L.H * L.dv, true),
      ...optional('lse', p.lse, B * L.Hq * T, true), ...optional('rstd', p.rstd, B * L.H * T, true),
      { name: 'scratch', ptr: p.scratch, bytes: scratch, written: true },
    ]);
    this.x.attention_forward(this.desc, p.q, p.k, p.v, p.out, p.lse, p.rstd, p.scratch);
  }

  /** Prefill backward on operands in linear memory; every output is overwritten. */
  backwardPtr(B: number, T: number, p: BackwardPtrs, scalars: AttentionScalars = {}): void {
    const op = 'attention_backward';
    this.describe(B, T, scalars, p.sigma, p.gain, true);
    const L = this.layout;
    check(p.lse !== 0 && (L.kind !== 'diff_v1' || p.rstd !== 0), 'value', () =>
      `${op}: needs the forward's lse${L.kind === 'diff_v1' ? ' and rstd' : ''} (got a 0 pointer)`);
    const scratch = this.x.attention_backward_scratch_bytes(this.desc);
    const n = B * T;
    checkRegions(op, this.wasm, [
      ...this.inputs(B, T, p), region('lse', p.lse, B * L.Hq * T), ...optional('rstd', p.rstd, B * L.H * T, false),
      region('dy', p.dy, n * L.H * L.dv),
      region('dq', p.dq, n * L.Hq * L.d, true), region('dk', p.dk, n * L.Hk * L.d, true), region('dv', p.dv, n * L.Hv * L.dv, true),
      ...optional('dcoef', p.dcoef, L.kind === 'diff_v2' ? n * L.H : 1, true),
      ...optional('dgain', p.gain === 0 ? 0 : p.dgain, L.dv, true),
      { name: 'scratch', ptr: p.scratch, bytes: scratch, written: true },
    ]);
    this.x.attention_backward(this.desc, p.q, p.k, p.v, p.lse, p.rstd, p.dy, p.dq, p.dk, p.dv,
      L.kind === 'baseline' ? 0 : p.dcoef, p.gain === 0 ? 0 : p.dgain, p.scratch);
  }

  /**
   * Writes n tokens per batch row into the cache at positions pos … pos + n − 1.
   * k: [B·n, Hk·d], v: [B·n, Hv·dv] → kCache: [B, maxT, Hk·d], vCache: [B, maxT, Hv·dv]
   */
  cacheWritePtr(B: number, maxT: number, pos: number, n: number,
    p: { k: number; v: number; kCache: number; vCache: number }): void {
    const op = 'attention_cache_write';
    this.checkCache(op, B, maxT, pos, n);
    this.describe(B, 1, {}, 0, 0, false);
    const L = this.layout;
    checkRegions(op, this.wasm, [
      region('k', p.k, B * n * L.Hk * L.d), region('v', p.v, B * n * L.Hv * L.dv),
      region('kCache', p.kCache, B * maxT * L.Hk * L.d, true), region('vCache', p.vCache, B * maxT * L.Hv * L.dv, true),
    ]);
    this.x.attention_cache_write(this.desc, p.k, p.v, p.kCache, p.vCache, maxT, pos, n);
  }

  /**
   * One decode step: appends kNew, vNew at position pos and attends over 0 … pos.
   * q: [B, M·H·d], kNew: [B, Hk·d], vNew: [B, Hv·dv], σ (V2): [B, H] → out: [B, H·dv]
   */
  decodePtr(B: number, maxT: number, pos: number, p: DecodePtrs, scalars: AttentionScalars = {}): void {
    const op = 'attention_decode';
    this.checkCache(op, B, maxT, pos, 1);
    this.describe(B, 1, scalars, p.sigma, p.gain, true);
    const L = this.layout;
    checkRegions(op, this.wasm, [
      ...this.inputs(B, 1, { q: p.q, k: p.kNew, v: p.vNew, sigma: p.sigma, gain: p.gain }),
      region('kCache', p.kCache, B * maxT * L.Hk * L.d, true), region('vCache', p.vCache, B * maxT * L.Hv * L.dv, true),
      region('out', p.out, B * L.H * L.dv, true),
      { name: 'scratch', ptr: p.scratch, bytes: this.x.attention_decode_scratch_bytes(this.desc, maxT), written: true },
    ]);
    this.x.attention_decode(this.desc, p.q, p.kNew, p.vNew, p.kCache, p.vCache, maxT, pos, p.out, p.scratch);
  }

  // The read-only operands every call shares (q, k, v, and σ or the gain when the variant has them).
  private inputs(B: number, T: number, p: { q: number; k: number; v: number; sigma: number; gain: number }): Region[] {
    const L = this.layout;
    const n = B * T;
    return [
      region('q', p.q, n * L.Hq * L.d), region('k', p.k, n * L.Hk * L.d), region('v', p.v, n * L.Hv * L.dv),
      ...optional('sigma', p.sigma, n * L.H, false), ...optional('gain', p.gain, L.dv, false),
    ];
  }

  private checkCache(op: string, B: number, maxT: number, pos: number, n: number): void {
    checkSize(op, 'maxT', maxT);
    checkSize(op, 'n', n, 0);
    check(Number.isInteger(pos) && pos >= 0 && pos + n <= maxT, 'value', () =>
      `${op}: positions pos … pos + ${n} − 1 must lie in [0, maxT = ${maxT}), got pos = ${String(pos)}`);
    checkSize(op, 'B·maxT', B * maxT);
  }

  // Validates the per-call sizes and scalars (the variant's own ones when `run`) and writes the
  // descriptor; size queries (run = false) need no scalars.
  private describe(B: number, T: number, s: AttentionScalars, sigma: number, gain: number, run: boolean): void {
    const op = 'attention';
    const L = this.layout;
    checkSize(op, 'B', B);
    checkSize(op, 'T', T);
    const widest = Math.max(L.Hq * L.d, L.Hk * L.d, L.Hv * L.dv, L.H * L.dv);
    checkSize(op, 'B·T·(widest row)·4 bytes', B * T * widest * 4);
    const v1 = L.kind === 'diff_v1';
    const call: DescriptorCall = { B, T, lambda: 0, sigma, gain, eps: 0, outScale: 1 };
    if (v1 && run) {
      checkNumber(op, 'lambda', s.lambda as number, isF32Finite, 'a finite float32');
      checkNumber(op, 'lambdaInit', s.lambdaInit as number, (x) => isF32Finite(1 - x), 'a finite number (DIFF V1 scales by 1 − λinit)');
      checkNumber(op, 'eps', s.eps ?? 1e-5, (x) => x >= 0 && isF32Finite(x), 'a finite float32 ≥ 0');
      Object.assign(call, { lambda: s.lambda, eps: s.eps ?? 1e-5, outScale: 1 - s.lambdaInit! });
    }
    check(v1 || (s.lambda === undefined && s.lambdaInit === undefined && s.eps === undefined), 'value', () =>
      `${op}: lambda, lambdaInit and eps are DIFF V1 scalars; ${L.kind} takes none`);
    check(v1 || gain === 0, 'value', () => `${op}: gain is the DIFF V1 norm's; ${L.kind} has no norm (pass 0)`);
    check(!run || (L.kind === 'diff_v2') === (sigma !== 0), 'value', () => L.kind === 'diff_v2'
      ? `${op}: diff_v2 needs sigma, σ(λ) per token and head [B·T, H] (got a 0 pointer)`
      : `${op}: sigma is DIFF V2's per-token λ; ${L.kind} takes none (pass 0)`);
    writeDescriptor(this.wasm.memory, this.desc, L, call);
  }
}

// A region only when its pointer is set.
function optional(name: string, ptr: number, elements: number, written: boolean): Region[] {
  return ptr === 0 ? [] : [region(name, ptr, elements, written)];
}
