/**
 * `diffattn attention` as a user runs it (the built bin: `npm run build:ts` first; the narrow
 * terminal and the flag errors run the command in-process, which is faster). Tiny random
 * models with the byte tokenizer are saved for each attention kind; the JSON is checked against
 * definitions, not against the command's own arithmetic: attention rows sum to 1 (softmax), the
 * difference is map1 − λ·map2 recomputed from the JSON, λ is equation (2) on the folder's weights
 * (DIFF V1) or the reference model's traced σ(Wλ·x_t) (DIFF V2). The SVG is well formed with one
 * cell per causal entry in each panel.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attentionCommand } from '../../src/cli/attention.js';
import { ByteTokenizer, loadModelFolder, resolveConfig, saveModelFolder, toRefModel } from '../../src/model/index.js';
import { DiffTransformerLM, Rng, lambdaInit, type Tensor } from '../../src/ref/index.js';
import { markItems, parseSvg, texts } from '../plot/svg.js';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'diffattn-attention-'));
const folder = (kind: 'diff_v1' | 'diff_v2' | 'baseline'): string => join(tmp, kind);

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'diffattn.js'), 'attention', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface AttentionJson {
  layer: number; head: number; lambda: number | number[] | null; tokens: string[]; ids: number[];
  map1: number[][]; map2: number[][] | null; diff: number[][] | null;
}

beforeAll(() => {
  for (const attention of ['diff_v1', 'diff_v2', 'baseline'] as const) {
    const config = resolveConfig({ attention, vocabSize: 256, dModel: 16, numLayers: 2, numHeads: 2, ffnHidden: 16, maxContext: 24 });
    saveModelFolder(folder(attention), new DiffTransformerLM(config, new Rng(7)), { tokenizer: new ByteTokenizer() });
  }
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PROMPT = 'the whale, the sea';

function expectSoftmaxRows(map: number[][]): void {
  map.forEach((row, t) => {
    // The engine's maps are rebuilt from float32 log-sum-exps: rows sum to 1 within float32 rounding.
    expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5);
    expect(row.slice(t + 1).every((v) => v === 0)).toBe(true);
  });
}

function expectDifference(j: AttentionJson, lambdaAt: (t: number) => number): void {
  j.diff!.forEach((row, t) => row.forEach((v, u) => expect(v).toBeCloseTo(j.map1[t][u] - lambdaAt(t) * j.map2![t][u], 12)));
}

describe('diffattn attention (built CLI)', () => {
  it('DIFF V1: maps are softmax rows, λ is equation (2) on the weights, diff = map1 − λ·map2; the SVG has three causal panels', () => {
    const svgPath = join(tmp, 'v1.svg');
    const r = run('--model', folder('diff_v1'), '--prompt', PROMPT, '--layer', '1', '--head', '1', '--out', svgPath, '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as AttentionJson;
    const T = PROMPT.length; // one byte per character
    expect([j.layer, j.head, j.tokens.length, j.map1.length]).toEqual([1, 1, T, T]);
    expect(j.tokens.slice(0, 4)).toEqual(['t', 'h', 'e', '␣']);
    expectSoftmaxRows(j.map1);
    expectSoftmaxRows(j.map2!);
    const p = loadModelFolder(folder('diff_v1')).params;
    const dot = (a: string, b: string): number => p.get(`layers.1.attn.${a}`)!.data.reduce((s, v, i) => s + v * p.get(`layers.1.attn.${b}`)!.data[i], 0);
    const lambda = Math.exp(dot('lambda_q1', 'lambda_k1')) - Math.exp(dot('lambda_q2', 'lambda_k2')) + lambdaInit(1);
    expect(j.lambda as number).toBeCloseTo(lambda, 12);
    expectDifference(j, () => lambda);

    const svg = parseSvg(readFileSync(svgPath, 'utf8'));
    expect(markItems(svg, 'rect').map((cells) => cells.length)).toEqual([1, 2, 3].map(() => (T * (T + 1)) / 2));
    const t = texts(svg);
    expect(t.some((s) => s.includes('layer 1, head 1') && s.includes(`λ = ${lambda.toFixed(4)}`))).toBe(true);
    expect(t).toEqual(expect.arrayContaining(['map 1 − λ·map 2', '␣', 'w']));
  });

  it('DIFF V2: λ_t per query token equals the reference’s σ(Wλ·x_t); row t of diff is map1[t] − λ_t·map2[t]', () => {
    const r = run('--model', folder('diff_v2'), '--prompt', PROMPT, '--layer', '0', '--head', '1', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as AttentionJson;
    const trace = new Map<string, Tensor>();
    toRefModel(loadModelFolder(folder('diff_v2'))).forward(j.ids, [1, j.ids.length], trace);
    const sig = trace.get('layers.0.attn.lambda_sigmoid')!; // [1, T, H]
    const lambdas = j.lambda as number[];
    expect(lambdas).toHaveLength(j.ids.length);
    // The command's λ_t comes from the engine's float32 residual stream.
    lambdas.forEach((l, t) => expect(Math.abs(l - sig.data[t * 2 + 1])).toBeLessThan(1e-5));
    expectSoftmaxRows(j.map1);
    expectSoftmaxRows(j.map2!);
    expectDifference(j, (t) => lambdas[t]);
  });

  it('baseline: one map, no λ and no difference', () => {
    const r = run('--model', folder('baseline'), '--prompt', PROMPT, '--head', '1', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as AttentionJson;
    expect([j.lambda, j.map2, j.diff]).toEqual([null, null, null]);
    expectSoftmaxRows(j.map1);
  });

  it('draws map 1 and the difference in the terminal, only the last tokens when too narrow', async () => {
    const r = run('--model', folder('diff_v1'), '--prompt', PROMPT, '--width', '30');
    expect(r.status, r.stderr).toBe(0);
    // 30 columns − 2 (position) − 1 (label) − 3 (separators) = 24 cells ≥ 18 tokens: all of them, one character each.
    expect(r.stdout).toMatch(/diff_v1: diff_v1, layer 0, head 0, 18 tokens, λ = /);
    expect(r.stdout).toMatch(/^map 1 \(query rows, key columns\)$/m);
    expect(r.stdout).toMatch(/^difference map1 − λ·map2$/m);
    expect(r.stdout).toMatch(/^17 a │.{18}$/m);
    let narrow = '';
    await attentionCommand({ model: folder('diff_v1'), prompt: PROMPT, layer: '0', head: '0', json: false, width: '20' },
      { write: (s) => void (narrow += s), columns: 80, color: false });
    // 20 − 6 = 14 cells: the last 14 of 18 tokens.
    expect(narrow).toMatch(/^difference map1 − λ·map2 \(the last 14 of 18 tokens: the terminal is 20 columns wide\)$/m);
    expect(narrow).toMatch(/^17 a │.{14}$/m);
    expect(narrow).not.toMatch(/^ 3 /m);
  });

  it('rejects a bad layer, head or prompt naming the flag, the range and the value', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ layer: '2' }, /^--layer: expected an integer in \[0, 1\] \(the model has 2 layers\), got 2$/],
      [{ layer: 'one' }, /^--layer: expected an integer, got 'one'$/],
      [{ head: '-1' }, /^--head: expected an integer in \[0, 1\] \(each layer has 2 differential heads\), got -1$/],
      [{ prompt: '' }, /^--prompt: expected a non-empty text, got an empty one$/],
      [{ prompt: 'x'.repeat(25) }, /^--prompt: 25 tokens, more than the model's maxContext 24$/],
      [{ promptIds: '1,2' }, /^--prompt or --prompt-ids: give exactly one$/],
    ];
    for (const [flags, message] of cases) {
      const command = attentionCommand({ model: folder('diff_v1'), prompt: 'abc', layer: '0', head: '0', json: true, ...flags }, { write: () => {}, columns: 80, color: false });
      await expect(command, JSON.stringify(flags)).rejects.toThrow(message);
    }
  });

  it('exits 2 with a one-line reason for a missing folder', () => {
    const missing = run('--model', join(tmp, 'no-such-model'), '--prompt', 'abc');
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/cannot read .*no-such-model.*config\.json/);
  });
});
