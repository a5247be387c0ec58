/**
 * Byte-level text data: the corpus, its deterministic split, and `TextCorpus` as a `BatchSource`
 * (windows of the text, determinism, state/restore, micro-batches = one large batch).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MOBY_DICK, loadCorpus, splitCorpus, textBatches } from '../../src/train/index.js';
import { expectDiffAttnError } from '../support/errors.js';

const text = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) % 251);

describe('loadCorpus', () => {
  it('reads the bundled Moby Dick: the novel, from its first chapter to its last line', () => {
    const bytes = loadCorpus(MOBY_DICK);
    const decoded = new TextDecoder().decode(bytes);
    expect(decoded.startsWith('CHAPTER 1. Loomings.')).toBe(true);
    expect(decoded).toContain('Call me Ishmael.');
    expect(decoded.trimEnd().endsWith('rolled on as it rolled five thousand years ago.')).toBe(true);
    expect(bytes.length).toBeGreaterThan(1_000_000);
  });

  it('reads a file as raw bytes, and names a missing one', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'diffattn-corpus-')), 'c.txt');
    writeFileSync(path, 'héllo');
    expect(Array.from(loadCorpus(path))).toEqual([0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f]);
    expectDiffAttnError(() => loadCorpus(join(tmpdir(), 'no-such-corpus.txt')), 'missing', /cannot read '.*no-such-corpus\.txt' \(expected 'moby-dick' or a file path\)/);
  });
});

describe('splitCorpus', () => {
  it('holds out the tail, ⌈f·n⌉ bytes, as views of the corpus', () => {
    const { train, val } = splitCorpus(text, 0.1);
    // ⌈0.1 · 1000⌉ = 100
    expect(val.length).toBe(100);
    expect(train.length).toBe(900);
    expect(val[0]).toBe(text[900]);
    expect(val.buffer).toBe(text.buffer);
    expect(splitCorpus(text, 0.1)).toEqual({ train, val });
  });

  it('rejects fractions that leave a side empty', () => {
    expectDiffAttnError(() => splitCorpus(text, 0), 'value', /valFraction must be in \(0, 1\), got 0/);
    expectDiffAttnError(() => splitCorpus(text.subarray(0, 3), 0.5), 'value', /leaves 1 training and 2 validation bytes/);
  });
});

describe('TextCorpus', () => {
  it('hands out windows of the text: targets are the ids shifted by one byte', () => {
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }), (seed, B, T) => {
      const { ids, targets } = textBatches(text, seed).next(B, T);
      for (let b = 0; b < B; b++) {
        const row = Array.from(ids.subarray(b * T, (b + 1) * T));
        const start = findWindow(row);
        expect(start, `row ${b} is not a window of the text`).toBeGreaterThanOrEqual(0);
        expect(Array.from(targets.subarray(b * T, (b + 1) * T))).toEqual(Array.from(text.subarray(start + 1, start + T + 1)));
      }
    }));
  });

  it('is a function of the seed: the same seed gives the same stream, another seed another', () => {
    const a = textBatches(text, 5), b = textBatches(text, 5), c = textBatches(text, 6);
    const x = a.next(4, 16), y = b.next(4, 16);
    expect(y).toEqual(x);
    expect(c.next(4, 16).ids).not.toEqual(x.ids);
  });

  it('gives the rows of one batch of 2b as two batches of b (what accumulation relies on)', () => {
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 1, max: 4 }), (seed, b) => {
      const whole = textBatches(text, seed).next(2 * b, 8);
      const parts = textBatches(text, seed);
      const [p, q] = [parts.next(b, 8), parts.next(b, 8)];
      expect(Array.from(whole.ids)).toEqual([...p.ids, ...q.ids]);
      expect(Array.from(whole.targets)).toEqual([...p.targets, ...q.targets]);
    }));
  });

  it('restores a saved position (through JSON, as a checkpoint stores it)', () => {
    const a = textBatches(text, 9);
    a.next(3, 10);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const next = a.next(3, 10);
    const b = textBatches(text, 9);
    b.restore(saved);
    expect(b.next(3, 10)).toEqual(next);
    expect(saved).toEqual({ rows: 3 });
  });

  it('rejects a context the text cannot hold and a foreign state', () => {
    expectDiffAttnError(() => textBatches(text, 0).next(1, 1000), 'value', /context must be an integer in \[1, 999\].*got 1000/);
    expectDiffAttnError(() => textBatches(text, 0).next(0, 4), 'value', /batch must be an integer ≥ 1, got 0/);
    expectDiffAttnError(() => textBatches(text, 0).restore({ step: 3 }), 'value', /expected \{ rows: integer ≥ 0 \}.*got \{"step":3\}/);
  });
});

/** The first offset where `row` occurs in `text` (the test text has period 251, so offsets < 251 suffice). */
function findWindow(row: number[]): number {
  for (let s = 0; s + row.length < text.length; s++) if (row.every((v, i) => text[s + i] === v)) return s;
  return -1;
}
