/**
 * The attention host wrapper refuses bad configs, scalars, arrays and pointers with a
 * `DiffAttnError` naming the argument, before any kernel runs; the debug build's kernel asserts
 * catch what a buggy host would pass anyway.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Attention } from '../../src/engine/attention.js';
import { attentionBackward, attentionDecode, attentionForward } from '../../src/engine/attention-arrays.js';
import { type AttentionConfig, attentionLayout } from '../../src/engine/attention-desc.js';
import { expectEngineError } from './errors.js';

let engine: Engine;
let debug: Engine;
beforeAll(async () => {
  engine = await Engine.load();
  debug = await Engine.load({ debug: true });
});

const v1: AttentionConfig = { kind: 'diff_v1', numHeads: 2, numKvHeads: 1, headDim: 4 };
const scalars = { lambda: 0.5, lambdaInit: 0.2 };

// Arrays of the right shapes for a config.
function inputs(config: AttentionConfig, B = 1, T = 5) {
  const L = attentionLayout(config);
  const f = (n: number): Float32Array => new Float32Array(n).fill(0.25);
  return {
    B, T, q: f(B * T * L.Hq * L.d), k: f(B * T * L.Hk * L.d), v: f(B * T * L.Hv * L.dv),
    sigma: config.kind === 'diff_v2' ? f(B * T * L.H) : undefined,
  };
}

describe('attention config validation', () => {
  it.each([
    [{ kind: 'diff_v3', numHeads: 2, headDim: 4 }, /kind must be 'baseline', 'diff_v1' or 'diff_v2', got "diff_v3"/],
    [{ kind: 'diff_v1', numHeads: 0, headDim: 4 }, /numHeads must be an integer in \[1, 65536\], got 0/],
    [{ kind: 'baseline', numHeads: 2, headDim: 2.5 }, /headDim must be an integer in \[1, 65536\], got 2.5/],
    [{ kind: 'diff_v1', numHeads: 3, numKvHeads: 2, headDim: 4 }, /numKvHeads \(2\) must divide numHeads \(3\) for diff_v1/],
    [{ kind: 'diff_v2', numHeads: 3, numKvHeads: 4, headDim: 4 }, /numKvHeads \(4\) must divide the 6 query heads/],
    [{ kind: 'diff_v1', numHeads: 2, headDim: 4, pairing: 'flash' }, /pairing must be 'paper' or 'naive', got "flash"/],
  ])('%o is refused', (config, pattern) => {
    expectEngineError(() => Attention.create(engine.wasm, engine.arena, config as AttentionConfig), 'value', pattern);
  });

  it('accepts V2 odd groups (Hkv divides 2H but not H) and any head size', () => {
    const L = attentionLayout({ kind: 'diff_v2', numHeads: 3, numKvHeads: 2, headDim: 7 });
    expect(Array.from(L.kHead)).toEqual([0, 0, 0, 1, 1, 1]);
  });
});

describe('attention call validation', () => {
  it('needs the variant\'s own scalars and operands, and refuses the others', () => {
    const a = Attention.create(engine.wasm, engine.arena, v1);
    const x = inputs(v1);
    expectEngineError(() => attentionForward(a, engine.arena, x, {}), 'value', /lambda must be a finite float32, got undefined/);
    expectEngineError(() => attentionForward(a, engine.arena, x, { lambda: 0.5 }), 'value', /lambdaInit must be a finite number/);
    expectEngineError(() => attentionForward(a, engine.arena, x, { ...scalars, eps: -1 }), 'value', /eps must be a finite float32 ≥ 0, got -1/);
    expectEngineError(() => attentionForward(a, engine.arena, x, { lambda: Infinity, lambdaInit: 0.2 }), 'value', /lambda must be a finite float32/);
    const base = Attention.create(engine.wasm, engine.arena, { kind: 'baseline', numHeads: 2, headDim: 4 });
    const xb = inputs({ kind: 'baseline', numHeads: 2, headDim: 4 });
    expectEngineError(() => attentionForward(base, engine.arena, xb, scalars), 'value', /lambda, lambdaInit and eps are DIFF V1 scalars; baseline takes none/);
    expectEngineError(() => attentionForward(base, engine.arena, { ...xb, gain: new Float32Array(4) }), 'value', /gain is the DIFF V1 norm's; baseline has no norm/);
    const v2cfg: AttentionConfig = { kind: 'diff_v2', numHeads: 2, headDim: 4 };
    const v2 = Attention.create(engine.wasm, engine.arena, v2cfg);
    expectEngineError(() => attentionForward(v2, engine.arena, { ...inputs(v2cfg), sigma: undefined }), 'value', /diff_v2 needs sigma/);
    expectEngineError(() => attentionForward(base, engine.arena, { ...xb, sigma: new Float32Array(10) }), 'value', /sigma is DIFF V2's per-token λ; baseline takes none/);
  });

  it('checks array types and shapes against the layout', () => {
    const a = Attention.create(engine.wasm, engine.arena, v1);
    const x = inputs(v1);
    expectEngineError(() => attentionForward(a, engine.arena, { ...x, q: new Float32Array(3) }, scalars), 'shape', /q must have shape \[5, 16\] = 80 elements, got 3/);
    expectEngineError(() => attentionForward(a, engine.arena, { ...x, v: new Float64Array(40) as unknown as Float32Array }, scalars), 'dtype', /v must be a Float32Array, got Float64Array/);
    expectEngineError(() => attentionForward(a, engine.arena, { ...x, gain: new Float32Array(4) }, scalars), 'shape', /gain must have shape \[8\]/);
    expectEngineError(() => attentionForward(a, engine.arena, { ...x, T: 0 }, scalars), 'value', /T must be an integer in \[1, 2147483647\], got 0/);
    const fwd = attentionForward(a, engine.arena, x, scalars);
    expectEngineError(() => attentionBackward(a, engine.arena, { ...x, lse: fwd.lse, rstd: null, dy: fwd.out }, scalars), 'dtype', /rstd must be a Float32Array, got null/);
    expectEngineError(() => attentionBackward(a, engine.arena, { ...x, lse: fwd.lse, rstd: fwd.rstd, dy: new Float32Array(2) }, scalars), 'shape', /dy must have shape/);
  });

  it('checks pointers: inside memory, above the heap base, no overlap with a written operand', () => {
    const a = Attention.create(engine.wasm, engine.arena, v1);
    const base = engine.arena.top;
    const bytes = a.forwardScratchBytes(1, 5);
    engine.arena.reserve(bytes + 4096);
    const p = { q: base, k: base + 512, v: base + 1024, out: base + 1536, lse: 0, rstd: 0, sigma: 0, gain: 0, scratch: base + 2048 };
    expectEngineError(() => a.forwardPtr(1, 5, { ...p, out: base + 100 }, scalars), 'value', /q bytes .* overlap out bytes .*; they must not overlap/);
    expectEngineError(() => a.forwardPtr(1, 5, { ...p, q: 8 }, scalars), 'value', /pointer q must be a multiple of 4 at or above the heap base/);
    const end = engine.wasm.memory.buffer.byteLength;
    expectEngineError(() => a.forwardPtr(1, 5, { ...p, scratch: end - 64 }, scalars), 'value', /scratch spans bytes .* beyond linear memory/);
    expectEngineError(() => a.backwardPtr(1, 5, { q: p.q, k: p.k, v: p.v, lse: 0, rstd: 0, sigma: 0, gain: 0, dy: p.out, dq: p.scratch,
      dk: p.scratch, dv: p.scratch, dcoef: 0, dgain: 0, scratch: p.scratch }, scalars), 'value', /needs the forward's lse and rstd/);
  });

  it('checks decode positions against the cache', () => {
    const a = Attention.create(engine.wasm, engine.arena, v1);
    const L = a.layout;
    const x = { B: 1, maxT: 4, pos: 4, q: new Float32Array(L.Hq * L.d), kNew: new Float32Array(L.Hk * L.d), vNew: new Float32Array(L.Hv * L.dv),
      kCache: new Float32Array(4 * L.Hk * L.d), vCache: new Float32Array(4 * L.Hv * L.dv) };
    expectEngineError(() => attentionDecode(a, engine.arena, x, scalars), 'value', /positions pos … pos \+ 1 − 1 must lie in \[0, maxT = 4\), got pos = 4/);
    expectEngineError(() => attentionDecode(a, engine.arena, { ...x, pos: 0, kCache: new Float32Array(3) }, scalars), 'shape', /kCache must have shape \[1, 4, 8\]/);
  });
});

describe('attention kernels (debug build)', () => {
  it('trap with the operand\'s name when a raw call points outside memory', () => {
    const a = Attention.create(debug.wasm, debug.arena, v1);
    a.forwardScratchBytes(1, 5); // writes the descriptor
    const x = debug.wasm.exports as unknown as { attention_forward(...args: number[]): void };
    const end = debug.wasm.memory.buffer.byteLength;
    expect(() => x.attention_forward(a.desc, end - 16, a.desc, a.desc, a.desc, 0, 0, a.desc)).toThrow(/attention: q outside memory/);
  });
});
