/**
 * The trainer on the engine: gradient accumulation equals one large batch, a checkpoint resumes
 * bit for bit, evaluation leaves the validation stream where it was, λ is logged, loss falls, and
 * bad inputs fail with the argument named.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFolder } from '../../src/model/index.js';
import { lambdaInit } from '../../src/ref/index.js';
import { TOLERANCES, compareTensor } from '../../src/oracle/compare.js';
import {
  OPTIMIZER_FILE, TRAINER_FILE, Trainer, pairedInit, textBatches, type Batch, type BatchSource, type ModelSize, type StepRecord, type TrainOptions,
} from '../../src/train/index.js';
import { expectDiffAttnError } from '../support/errors.js';

const size: ModelSize = { vocabSize: 256, dModel: 16, numLayers: 2, numHeads: 1, ffnHidden: 24, maxContext: 16 };
// A text with structure (a repeated sentence), so that a few steps visibly learn.
const text = new TextEncoder().encode('Call me Ishmael. Some years ago, never mind how long precisely. '.repeat(40));
const base: Partial<TrainOptions> = { steps: 6, batch: 4, context: 16, lr: 1e-2, minLr: 1e-3, warmup: 2, evalEvery: 2, evalBatches: 1 };

async function trainer(arm: 'diff' | 'baseline' | 'v2', opts: Partial<TrainOptions>, onStep?: (r: StepRecord) => void): Promise<Trainer> {
  const [{ config, params }] = pairedInit([arm], size, 3);
  return Trainer.create(config, params, { ...base, ...opts }, { onStep });
}

/** |engine − reference| ≤ 1e-6 + 5e-5·|reference|: the project's float32 acceptance (src/oracle/compare.ts). */
function expectF32Close(what: string, a: number, b: number): void {
  const { atol, rtol } = TOLERANCES.float32;
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(atol + rtol * Math.abs(b));
}

const bitsOf = (m: Map<string, Float32Array>): Map<string, number[]> => new Map([...m].map(([n, a]) => [n, Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length))]));

/** Rows whose targets are partly ignored, a different number in each row (so micro-batches count differently). */
function ragged(seed: number): BatchSource {
  const inner = textBatches(text, seed);
  let row = 0;
  return {
    next(batch, context): Batch {
      const b = inner.next(batch, context);
      for (let r = 0; r < batch; r++, row++) b.targets.fill(-100, r * context, r * context + (row % 4) * 3);
      return b;
    },
    state: () => ({ inner: inner.state(), row }),
    restore(s) {
      inner.restore((s as { inner: unknown }).inner);
      row = (s as { row: number }).row;
    },
  };
}

describe('Trainer', () => {
  it('accumulates: 2 micro-batches of b equal one batch of 2b (float32 tolerance), ignored targets included', async () => {
    for (const source of [(s: number) => textBatches(text, s), ragged]) {
      const whole = await trainer('diff', { batch: 4, microBatches: 1, evalEvery: 0 });
      const split = await trainer('diff', { batch: 4, microBatches: 2, evalEvery: 0 });
      const [a, b] = [source(5), source(5)];
      for (let s = 0; s < 3; s++) {
        const [x, y] = [whole.step(a), split.step(b)];
        expectF32Close(`loss at step ${x.step}`, y.loss, x.loss);
        expectF32Close(`gradient norm at step ${x.step}`, y.gradNorm, x.gradNorm);
      }
      const pw = whole.engine.exportParams(), ps = split.engine.exportParams();
      for (const [n, w] of pw) {
        const r = compareTensor(n, { shape: [w.length], data: Float64Array.from(ps.get(n)!) }, { shape: [w.length], data: Float64Array.from(w) }, TOLERANCES.float32);
        expect(r.pass, `${n}: max abs err ${r.maxAbsErr}`).toBe(true);
      }
    }
  });

  it('resumes bit for bit: N steps straight = k steps, checkpoint, resume, N − k steps', async () => {
    for (const [arm, dtype, microBatches] of [['diff', 'F32', 1], ['v2', 'F16', 2]] as const) {
      const opts = { steps: 6, microBatches };
      const straight = await trainer(arm, opts);
      const full = straight.run(textBatches(text, 1), textBatches(text, 2));

      const first = await trainer(arm, opts);
      const [train, val] = [textBatches(text, 1), textBatches(text, 2)];
      for (let s = 0; s < 3; s++) first.step(train, val);
      const dir = mkdtempSync(join(tmpdir(), 'diffattn-resume-'));
      first.saveCheckpoint(dir, { dtype });
      const resumedTrain = textBatches(text, 1);
      const resumed = await Trainer.resume(dir, { train: resumedTrain });
      expect(resumed.stepsTaken).toBe(3);
      const rest = resumed.run(resumedTrain, textBatches(text, 2));

      const strip = (r: StepRecord): object => ({ ...r, tokensPerSec: 0, elapsedSec: 0 });
      expect(rest.log.map(strip)).toEqual(full.log.slice(3).map(strip));
      expect(bitsOf(rest.params)).toEqual(bitsOf(full.params));
      const [o1, o2] = [straight.engine.exportOptimizerState(), resumed.engine.exportOptimizerState()];
      expect(o2.step).toBe(6);
      expect(bitsOf(o2.m)).toEqual(bitsOf(o1.m));
      expect(bitsOf(o2.v)).toEqual(bitsOf(o1.v));
      // The folder is also a plain model folder, in the dtype asked for.
      expect([...loadModelFolder(dir).dtypes]).toEqual([dtype]);
    }
  });

  it('writes a model folder without optimizer state on request, which cannot be resumed', async () => {
    const t = await trainer('baseline', { steps: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'diffattn-plain-'));
    t.saveCheckpoint(dir, { optimizer: false });
    expect(loadModelFolder(dir).config.attention).toBe('baseline');
    await expect(Trainer.resume(dir)).rejects.toThrow(new RegExp(`not a resumable checkpoint: .*${OPTIMIZER_FILE} is missing`));
    expect(() => readFileSync(join(dir, TRAINER_FILE))).toThrow();
  });

  it('evaluates on the same held-out batches every time, and on schedule', async () => {
    const records: StepRecord[] = [];
    const t = await trainer('diff', { steps: 5, evalEvery: 2 }, (r) => records.push(r));
    const val = textBatches(text, 7);
    const before = JSON.stringify(val.state());
    expect(t.evaluate(val)).toBe(t.evaluate(val));
    expect(JSON.stringify(val.state())).toBe(before);
    t.run(textBatches(text, 1), val);
    // Every evalEvery-th step, and the last.
    expect(records.filter((r) => r.valLoss !== undefined).map((r) => r.step)).toEqual([2, 4, 5]);
    expect(records.map((r) => r.step)).toEqual([1, 2, 3, 4, 5]);
  });

  it('logs λ per layer for DIFF V1 (λinit at step 0 plus the λ vectors’ term) and not for the others', async () => {
    const t = await trainer('diff', { steps: 1, lr: 0, minLr: 0 });
    const rec = t.step(textBatches(text, 1));
    const p = t.engine.exportParams();
    const dot = (a: string, b: string): number => p.get(a)!.reduce((s, v, i) => s + v * p.get(b)!.at(i)!, 0);
    const expected = [0, 1].map((l) => {
      const at = `layers.${l}.attn.`;
      return Math.exp(dot(`${at}lambda_q1`, `${at}lambda_k1`)) - Math.exp(dot(`${at}lambda_q2`, `${at}lambda_k2`)) + lambdaInit(l);
    });
    expect(rec.lambda).toHaveLength(2);
    rec.lambda!.forEach((v, l) => expect(v).toBeCloseTo(expected[l], 12));
    expect((await trainer('baseline', { steps: 1 })).step(textBatches(text, 1)).lambda).toBeUndefined();
  });

  it('learns: 40 steps on a repeated sentence take the loss far below ln 256', async () => {
    const t = await trainer('diff', { steps: 40, warmup: 4, evalEvery: 0 });
    const { log } = t.run(textBatches(text, 1));
    // Uniform over 256 bytes is ln 256 ≈ 5.55 nats; the sentence uses 30 distinct bytes (ln 30 ≈ 3.4)
    // and repeats, so a model that learns anything ends well under both.
    expect(log[0].loss).toBeGreaterThan(5);
    expect(log[log.length - 1].loss).toBeLessThan(3);
  });

  it('rejects a context beyond maxContext, malformed batches and all-ignored batches', async () => {
    const [{ config, params }] = pairedInit(['diff'], size, 0);
    await expect(Trainer.create(config, params, { ...base, context: 32 })).rejects.toThrow(/context \(32\) must be ≤ the model's maxContext \(16\)/);
    const t = await trainer('diff', {});
    const short: BatchSource = { next: () => ({ ids: new Int32Array(3), targets: new Int32Array(3) }), state: () => null, restore: () => undefined };
    expectDiffAttnError(() => t.step(short), 'shape', /BatchSource.next\(4, 16\) must return ids and targets of 64 values, got 3 and 3/);
    const ignored: BatchSource = { ...short, next: (b, c) => ({ ids: new Int32Array(b * c), targets: new Int32Array(b * c).fill(-100) }) };
    expectDiffAttnError(() => t.step(ignored), 'value', /every target of the batch at step 1 is the ignore index -100/);
  });
});
