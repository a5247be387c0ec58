/**
 * The `diffattn` command as a user runs it: the built bin (CI builds before testing; locally run
 * `npm run build` first). Checks exit codes, that --json prints JSON only, and one-line errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, toInt32 } from '../../src/io/safetensors.js';

const root = join(import.meta.dirname, '..', '..');
const tiny = join(root, 'test', 'fixtures', 'golden', 'diffllama', 'models', 'diffllama_tiny_tied');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'diffattn.js'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('diffattn (built CLI)', () => {
  it('verify --json prints only JSON, passing every bundled golden file', () => {
    const r = run('verify', '--json');
    expect(r.status, r.stderr).toBe(0);
    const reports = JSON.parse(r.stdout) as Array<{ file: string; pass: boolean; tensors: unknown[] }>;
    expect(reports.length).toBe(12);
    expect(reports.every((f) => f.pass && f.tensors.length > 0)).toBe(true);
  });

  it('verify exits 1 on a file that fails and 2 with a one-line reason on a missing one', () => {
    const missing = run('verify', join(root, 'no-such-file.safetensors'));
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/no such file/);
    const notGolden = run('verify', join(tiny, 'model.safetensors'));
    expect(notGolden.status).toBe(1);
    expect(notGolden.stdout).toMatch(/FAIL/);
  });

  it('inspect shows the flavour and λ per layer; --json is machine-readable', () => {
    const r = run('inspect', tiny, '--json');
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.layout).toBe('diffllama');
    expect(info.lambda.map((l: { lambdaInit: number }) => l.lambdaInit)).toEqual([0.8 - 0.6, 0.8 - 0.6 * Math.exp(-0.3)]);
  });

  it('convert writes a folder that inspects the same in another flavour', () => {
    const dst = join(mkdtempSync(join(tmpdir(), 'diffattn-cli-')), 'official');
    expect(run('convert', tiny, dst, '--to', 'official').status).toBe(0);
    const a = JSON.parse(run('inspect', tiny, '--json').stdout);
    const b = JSON.parse(run('inspect', dst, '--json').stdout);
    expect(b.layout).toBe('official');
    // The official module always has a per-head norm gain (2d per layer); DiffLlama has none, so
    // the export adds a unit gain to each layer.
    expect(b.parameters).toBe(a.parameters + a.config.numLayers * 2 * a.config.headDim);
    expect(b.lambda).toEqual(a.lambda);
  });

  it('generate reproduces the DiffLlama folder’s golden greedy continuation on the engine', () => {
    const golden = readSafetensors(readFileSync(join(tiny, 'golden.safetensors')));
    const prompt = Array.from(toInt32(golden.tensors.get('input_ids')!)).slice(0, 12);
    const expected = Array.from(toInt32(golden.tensors.get('greedy_tokens')!));
    const r = run('generate', '--model', tiny, '--prompt-ids', prompt.join(','), '--max-tokens', String(expected.length), '--temperature', '0', '--json');
    expect(r.status, r.stderr).toBe(0);
    const g = JSON.parse(r.stdout);
    expect(g.tokens).toEqual(expected);
    expect(g.timing.promptTokens).toBe(12);
  });

  it('generate refuses a prompt longer than the context with a one-line reason', () => {
    const r = run('generate', '--model', tiny, '--prompt-ids', Array(120).fill(1).join(','), '--max-tokens', '20');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/more than maxContext 128/);
  });

  it('bench rejects an unknown suite with a one-line reason and a non-zero exit', () => {
    const r = run('bench', 'nosuchsuite');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown suite\(s\) nosuchsuite; available: gemm/);
  });

  it('every command has --help with examples', () => {
    for (const cmd of ['verify', 'inspect', 'convert', 'generate', 'bench']) {
      const r = run(cmd, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Examples:/);
    }
  });
});
