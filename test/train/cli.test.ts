/**
 * `diffattn train` as a user runs it (the built bin: `npm run build:ts` first): a tiny paired run
 * writes loadable, resumable folders with a valid log, --resume extends it, and bad flags fail
 * with a one-line reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFolder, parameterCount } from '../../src/model/index.js';
import { OPTIMIZER_FILE, RUN_FILE, readLog } from '../../src/train/index.js';

const root = join(import.meta.dirname, '..', '..');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'diffattn.js'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TINY = ['--d-model', '16', '--layers', '1', '--heads', '1', '--ffn-hidden', '16', '--batch', '2', '--context', '16', '--eval-every', '2', '--eval-batches', '1', '--quiet'];

function corpus(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'diffattn-train-cli-')), 'corpus.txt');
  writeFileSync(path, 'It was the best of times, it was the worst of times. '.repeat(30));
  return path;
}

describe('diffattn train (built CLI)', () => {
  it('trains paired arms into loadable folders, prints a JSON summary, and resumes to more steps', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'diffattn-train-')), 'run');
    const r = run('train', ...TINY, '--steps', '4', '--arms', 'diff,baseline,v2', '--corpus', corpus(), '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { out: string; arms: Array<{ arm: string; steps: number; parameters: number; valLoss: number; trainLoss: number }> };
    expect(summary.arms.map((a) => a.arm)).toEqual(['diff', 'baseline', 'v2']);
    expect(existsSync(join(out, RUN_FILE))).toBe(true);
    for (const a of summary.arms) {
      const folder = join(out, a.arm);
      const m = loadModelFolder(folder);
      expect(m.tokenizer?.vocabSize).toBe(256);
      expect(a.parameters).toBe(parameterCount(m.config));
      expect(a.steps).toBe(4);
      expect(existsSync(join(folder, OPTIMIZER_FILE))).toBe(true);
      const log = readLog(join(folder, 'train.jsonl'));
      expect(log.map((x) => x.step)).toEqual([1, 2, 3, 4]);
      expect(log.filter((x) => x.valLoss !== undefined).map((x) => x.step)).toEqual([2, 4]);
      expect(a.valLoss).toBe(log[3].valLoss);
      expect(Number.isFinite(a.trainLoss)).toBe(true);
    }
    // diff_v1 logs λ of its one layer; the others do not.
    expect(readLog(join(out, 'diff', 'train.jsonl'))[0].lambda).toHaveLength(1);
    expect(readLog(join(out, 'v2', 'train.jsonl'))[0].lambda).toBeUndefined();

    const resumed = run('train', '--resume', out, '--steps', '6', '--json', '--quiet');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).arms.map((a: { steps: number }) => a.steps)).toEqual([6, 6, 6]);
    expect(readLog(join(out, 'baseline', 'train.jsonl')).map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6]);

    const gen = run('generate', '--model', join(out, 'diff'), '--prompt', 'It was', '--max-tokens', '5', '--temperature', '0', '--json');
    expect(gen.status, gen.stderr).toBe(0);
    expect(JSON.parse(gen.stdout).tokens).toHaveLength(5);
  });

  it('prints a table by default', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'diffattn-train-')), 'run');
    const r = run('train', ...TINY, '--steps', '2', '--arms', 'baseline', '--corpus', corpus(), '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/arm\s+attention\s+params\s+steps\s+train loss\s+val loss\s+tokens\/s\s+wall/);
    expect(r.stdout).toMatch(/baseline\s+baseline\s+[\d,]+\s+2\s/);
  });

  it('rejects bad flags with a one-line reason naming the flag', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'diffattn-train-')), 'run');
    const cases: Array<[string[], RegExp]> = [
      [['--steps', '0'], /--steps must be an integer ≥ 1, got 0/],
      [['--lr', 'fast'], /--lr: expected a number, got 'fast'/],
      [['--batch', '6', '--micro-batches', '4'], /--micro-batches must be a divisor of batch \(6\), got 4/],
      [['--arms', 'diff,gpt'], /--arms: unknown arm 'gpt'/],
      [['--val-fraction', '1'], /--val-fraction: expected a number in \(0, 1\), got '1'/],
      [['--d-model', '-3'], /--d-model: expected an integer ≥ 1, got '-3'/],
      [['--corpus', join(tmpdir(), 'no-such-corpus.txt')], /cannot read '.*no-such-corpus\.txt'/],
      [['--context', '4096'], /context \(4096\) needs windows of 4097 bytes, but the training split of '.*corpus\.txt' holds 1431 bytes/],
    ];
    for (const [flags, message] of cases) {
      const r = run('train', '--quiet', '--corpus', corpus(), '--out', out, ...flags);
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), flags.join(' ')).toHaveLength(1);
      expect(r.stderr, flags.join(' ')).toMatch(message);
    }
    const resume = run('train', '--resume', out, '--lr', '0.1');
    expect(resume.status).toBe(2);
    expect(resume.stderr).toMatch(/--lr: cannot be given with --resume/);
    const missing = run('train', '--resume', join(tmpdir(), 'no-such-run'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the run description/);
  });
});
