/**
 * The JSONL log: one valid record per line, truncated to the checkpoint's step on resume, and
 * malformed lines reported with their line number.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlLog, readLog, type StepRecord } from '../../src/train/index.js';
import { expectDiffAttnError } from '../support/errors.js';

const rec = (step: number): StepRecord => ({ step, loss: 5 - step / 10, lr: 1e-3, gradNorm: 0.5, tokensPerSec: 1000, ...(step % 2 === 0 ? { valLoss: 4 } : {}) });

describe('JsonlLog', () => {
  it('writes one JSON object per line that reads back as the records', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'diffattn-log-')), 'train.jsonl');
    const log = new JsonlLog(path);
    [1, 2, 3].forEach((s) => log.append(rec(s)));
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines.slice(0, 3).map((l) => JSON.parse(l))).toEqual([rec(1), rec(2), rec(3)]);
    expect(readLog(path)).toEqual([rec(1), rec(2), rec(3)]);
  });

  it('keeps the steps up to the checkpoint when resuming, and starts empty for a new run', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'diffattn-log-')), 'train.jsonl');
    const log = new JsonlLog(path);
    [1, 2, 3, 4, 5].forEach((s) => log.append(rec(s)));
    new JsonlLog(path, 3).append(rec(4));
    expect(readLog(path).map((r) => r.step)).toEqual([1, 2, 3, 4]);
    new JsonlLog(path);
    expect(readLog(path)).toEqual([]);
  });

  it('names the line of a malformed record', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'diffattn-log-')), 'train.jsonl');
    writeFileSync(path, `${JSON.stringify(rec(1))}\n{"step": 2, "loss": "x"}\n`);
    expectDiffAttnError(() => readLog(path), 'format', /train\.jsonl:2: 'loss' must be a number/);
    writeFileSync(path, `${JSON.stringify(rec(1))}\nnot json\n`);
    expectDiffAttnError(() => readLog(path), 'format', /train\.jsonl:2: not valid JSON/);
  });
});
