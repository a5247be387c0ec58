/**
 * Embedding kernels (assembly/embedding.ts) against the float64 reference op
 * (src/ref/ops/embedding.ts): the lookup is exact; the scatter-add sums repeated ids.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { staged } from '../../../src/engine/kernels/boundary.js';
import { embeddingBwd, embeddingBwdPtr, embeddingFwd, embeddingFwdPtr } from '../../../src/engine/kernels/embedding.js';
import { embedding } from '../../../src/ref/ops/embedding.js';
import { Tensor } from '../../../src/ref/tensor.js';
import { expectEngineError } from '../errors.js';
import { dims, expectWithin, f32s, f64, i32s, reductionTolerance, useEngines } from './support.js';

const engines = useEngines();

const embeddingCase = dims(3, 70, 6000).chain(([n, V, C]) => fc.record({
  V: fc.constant(V), C: fc.constant(C), ids: i32s(n, V), W: f32s(V * C), dout: f32s(n * C), dW0: f32s(V * C),
}));

// The lookup copies: exact. dW[v] = dW0[v] + Σ_{p: ids[p] = v} dout[p] is a sum of
// count(v) + 1 terms: `reductionTolerance(count(v) + 1, |dW0[v]| + Σ|dout[p]|)`.
function check(engine: Engine, { V, C, ids, W, dout, dW0 }: { V: number; C: number; ids: Int32Array; W: Float32Array;
  dout: Float32Array; dW0: Float32Array }): void {
  const n = ids.length;
  const wt = new Tensor(f64(W), [V, C], true);
  const yt = embedding(wt, ids, [n]);
  yt.backward(f64(dout));
  const count = new Array<number>(V).fill(0);
  const absSum = Array.from(dW0, Math.abs);
  ids.forEach((v, p) => {
    count[v]++;
    for (let c = 0; c < C; c++) absSum[v * C + c] += Math.abs(dout[p * C + c]);
  });

  const out = embeddingFwd(engine.wasm, engine.arena, ids, W, V, C);
  expectWithin('out', out, yt.data, () => 0);
  const dW = embeddingBwd(engine.wasm, engine.arena, ids, dout, dW0.slice(), V, C);
  expectWithin('dW', dW, wt.grad!.map((g, i) => g + dW0[i]), (i) =>
    reductionTolerance(count[Math.floor(i / C)] + 1, absSum[i]));
}

describe('embedding_fwd / embedding_bwd', () => {
  it('match the float64 reference (release build; n, V, C in 1..70, repeated ids)', () => {
    fc.assert(fc.property(embeddingCase, (c) => check(engines.release, c)));
  });

  it('match the reference in the debug build (kernel asserts on)', () => {
    fc.assert(fc.property(embeddingCase, (c) => check(engines.debug, c)), { numRuns: 5 });
  });
});

describe('embedding wrappers reject bad ids and shapes before the kernel runs', () => {
  it('names the id, its position and the vocabulary range (arrays)', () => {
    const { wasm, arena } = engines.release;
    const W = new Float32Array(12);
    expectEngineError(() => embeddingFwd(wasm, arena, Int32Array.of(0, 3, 4), W, 4, 3), 'value', /embedding_fwd: ids\[2\] = 4 is outside \[0, 4\)/);
    expectEngineError(() => embeddingFwd(wasm, arena, Int32Array.of(-1), W, 4, 3), 'value', /ids\[0\] = -1 is outside \[0, 4\)/);
    expectEngineError(() => embeddingFwd(wasm, arena, [0, 1] as unknown as Int32Array, W, 4, 3), 'dtype', /ids must be a Int32Array, got Array/);
    expectEngineError(() => embeddingFwd(wasm, arena, Int32Array.of(0), W, 4, 4), 'shape', /W must have shape \[4, 4\] = 16 elements, got 12/);
    expectEngineError(() => embeddingBwd(wasm, arena, Int32Array.of(0), new Float32Array(3), W, 4, 3.5), 'value', /C must be an integer/);
  });

  it('checks ids already in linear memory at the pointer level', () => {
    const { wasm, arena } = engines.release;
    const ids = Int32Array.of(1, 2, 7);
    const W = new Float32Array(8 * 2);
    staged(arena, [ids, W, new Float32Array(6)], ([pi, pw, po]) => {
      expectEngineError(() => embeddingFwdPtr(wasm, pi, pw, po, 3, 7, 2), 'value', /ids\[2\] = 7 is outside \[0, 7\)/);
      expectEngineError(() => embeddingBwdPtr(wasm, pi, po, pw, 3, 5, 2), 'value', /embedding_bwd: ids\[2\] = 7 is outside \[0, 5\)/);
      expectEngineError(() => embeddingFwdPtr(wasm, pi, pw, pw + 8, 3, 8, 2), 'value', /W bytes .* overlap out bytes/);
    });
  });
});
