/**
 * Keeps docs/differential-attention.md honest: every number the page quotes from running code is
 * recomputed here with the reference and looked up in the page (and in the figures that show it),
 * and every relative link of the page must point at an existing file that still defines the name
 * the link shows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GoldenFile } from '../../src/io/golden.js';
import {
  MultiheadDiffAttn, Rng, Tensor, keyHeadForQueryHead, lambdaInit, mul, ropeFrequencies, ropeTables, rotary, softmax, sub,
  valueHeadForDiffHead, type GqaPairing,
} from '../../src/ref/index.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DOC_PATH = join(ROOT, 'docs', 'differential-attention.md');
const DOC_TEXT = readFileSync(DOC_PATH, 'utf8');
/** The page with every run of whitespace as one space, so line wrapping does not matter. */
const DOC = DOC_TEXT.replace(/\s+/g, ' ');
const GOLDEN = join(ROOT, 'test', 'fixtures', 'golden');
const svg = (name: string): string => readFileSync(join(ROOT, 'docs', 'img', name), 'utf8');
const golden = (name: string): GoldenFile => new GoldenFile(name, readFileSync(join(GOLDEN, `${name}.safetensors`)));

/** A number as the page prints it: fixed decimals, a true minus sign, no "−0.000". */
function fmt(v: number, decimals = 3): string {
  const s = Math.abs(v).toFixed(decimals);
  return v < 0 && Number(s) !== 0 ? `−${s}` : s;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const asTensor = (t: { shape: number[]; data: Float64Array }): Tensor => new Tensor(t.data.slice(), t.shape);

/** Builds a V1 module from a golden file's metadata and parameters. */
function moduleFromGolden(f: GoldenFile, pairing: GqaPairing): MultiheadDiffAttn {
  const m = new MultiheadDiffAttn({
    embedDim: f.int('embed_dim'), numHeads: f.int('num_heads'), numKvHeads: f.int('num_kv_heads'),
    headDim: f.int('head_dim'), depth: f.int('depth'), pairing,
  });
  m.loadStateDict(new Map([...m.stateDict().keys()].map((n) => [n, f.f64(n)])));
  return m;
}

function runGolden(f: GoldenFile, pairing: GqaPairing): { y: Tensor; trace: Map<string, Tensor> } {
  const trace = new Map<string, Tensor>();
  const y = moduleFromGolden(f, pairing).forward(asTensor(f.f64('x')), { cos: asTensor(f.f64('rope.cos')), sin: asTensor(f.f64('rope.sin')) }, trace);
  return { y, trace };
}

describe('docs/differential-attention.md §1: the noise-cancellation example', () => {
  const noise = [2.0, 0.5, 0, 0, 0.5, 0];
  const signal = noise.map((v, j) => v + (j === 3 ? 2.5 : 0));
  const a1 = softmax(new Tensor(Float64Array.from(signal), [6]));
  const a2 = softmax(new Tensor(Float64Array.from(noise), [6]));
  const diff = (lambda: number): Float64Array => sub(a1, mul(Tensor.scalar(lambda), a2)).data;
  const exact = a1.data[0] / a2.data[0];
  const row = (label: string, values: ArrayLike<number>, sum: string): string =>
    `| ${label} | ${Array.from(values, (v) => fmt(v)).join(' | ')} | ${sum} |`;

  it('quotes the two maps and three differences the reference computes', () => {
    expect(DOC).toContain(row('A1 = softmax(s1)', a1.data, '1'));
    expect(DOC).toContain(row('A2 = softmax(s2)', a2.data, '1'));
    for (const [label, lambda] of [['0.5', 0.5], ['0.550', exact], ['0.8', 0.8]] as const) {
      const d = diff(lambda);
      const sum = d.reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(1 - lambda, 14); // rows of a differential map sum to 1 − λ
      expect(DOC).toContain(row(`A1 − ${label}·A2`, d, fmt(sum)));
    }
  });

  it('quotes the shares, the exact-cancellation λ and the λinit values it compares with', () => {
    const d = diff(0.5);
    expect(DOC).toContain(`A1 gives key 3 a share of ${fmt(a1.data[3])}`);
    expect(DOC).toContain(`the difference gives it ${fmt(d[3])} of a total of ${fmt(0.5)}, a share of ${fmt(d[3] / 0.5)}`);
    for (const j of [0, 1, 2, 4, 5]) expect(a1.data[j] / a2.data[j]).toBeCloseTo(exact, 14);
    expect(DOC).toContain(`A1[j] / A2[j] = ${fmt(exact)} for j ≠ 3`);
    expect(Math.max(...Array.from(diff(exact)).filter((_, j) => j !== 3).map(Math.abs))).toBeLessThan(1e-15);
    expect(DOC).toContain(`λinit at depth 2 (${fmt(lambdaInit(2))}) and depth 3 (${fmt(lambdaInit(3))})`);
  });

  it('the figure shows the same numbers (A1, λ·A2 and A1 − λ·A2 at λ = 0.5)', () => {
    const figure = svg('noise-cancellation.svg');
    const lambdaA2 = mul(Tensor.scalar(0.5), a2).data;
    for (const values of [a1.data, lambdaA2, diff(0.5)]) {
      for (const v of values) expect(figure).toContain(`>${fmt(v)}<`);
    }
  });
});

describe('docs/differential-attention.md §2: shapes through MultiheadDiffAttn.forward', () => {
  it('has the shapes of the concrete column (E = 64, H = 4, Hkv = 2, d = 8, B = 2, T = 33)', () => {
    const rng = new Rng(7);
    const m = new MultiheadDiffAttn({ embedDim: 64, numHeads: 4, numKvHeads: 2, depth: 11 }, rng);
    const x = new Tensor(rng.normalArray(2 * 33 * 64, 1), [2, 33, 64]);
    const trace = new Map<string, Tensor>();
    const y = m.forward(x, ropeTables(33, ropeFrequencies(8, 10000)), trace);
    const shapes = Object.fromEntries([...trace].map(([n, t]) => [n, t.shape.join(', ')]));
    expect(shapes).toMatchObject({
      q_rot: '2, 33, 8, 8', k_rot: '2, 33, 4, 8', attn1: '2, 4, 33, 33', attn2: '2, 4, 33, 33', lambda_full: '1',
      pre_subln: '2, 4, 33, 16', post_subln: '2, 4, 33, 16', pre_out_proj: '2, 33, 64',
    });
    expect(y.shape).toEqual([2, 33, 64]);
    const params = Object.fromEntries([...m.stateDict()].map(([n, p]) => [n, p.shape.join(', ')]));
    expect(params).toMatchObject({
      'q_proj.weight': '64, 64', 'k_proj.weight': '32, 64', 'v_proj.weight': '32, 64', 'out_proj.weight': '64, 64',
      lambda_q1: '8', 'subln.weight': '16',
    });
    for (const s of ['[2, 33, 8, 8]', '[2, 33, 4, 8]', '[2, 33, 2, 16]', '[2, 8, 33, 33]', '2 × [2, 4, 33, 33]', '[2, 4, 33, 16]']) {
      expect(DOC).toContain(s);
    }
  });

  it('a headDim other than E/(2H) gives q_proj [2H·d, E] and out_proj [E, 2H·d]', () => {
    const m = new MultiheadDiffAttn({ embedDim: 10, numHeads: 3, numKvHeads: 1, headDim: 4, depth: 0 });
    expect(m.q_proj.weight.shape).toEqual([24, 10]);
    expect(m.k_proj.weight.shape).toEqual([8, 10]);
    expect(m.v_proj.weight.shape).toEqual([8, 10]);
    expect(m.out_proj.weight.shape).toEqual([10, 24]);
  });
});

describe('docs/differential-attention.md §3–4: λ', () => {
  it('λinit(depth) for depth 0, 1, 5, 11 is the golden README’s value and the page’s table', () => {
    const stated: Array<[number, number]> = [[0, 0.20000000000000007], [1, 0.35550906759096934], [5, 0.6661219039109422], [11, 0.777870099559256]];
    for (const [depth, value] of stated) {
      expect(lambdaInit(depth)).toBe(value);
      expect(DOC).toContain(`| ${depth} | ${depth + 1} | ${String(value)} |`);
    }
  });

  it('λ stays near λinit at initialisation in the golden files, and can be negative', () => {
    for (const [name, init] of [['diff_v1_tiny_T7_d0', '0.2'], ['diff_v1_mha_T33_d1', '0.355509'], ['diff_v1_gqa_T33_d11', '0.777870']]) {
      const f = golden(name);
      const lambda = moduleFromGolden(f, 'naive').lambda().data[0];
      expect(lambda).toBeCloseTo(f.f64('lambda_full').data[0], 15);
      expect(DOC).toContain(`${init} → ${name === 'diff_v1_tiny_T7_d0' ? 'λ ' : ''}${fmt(lambda, 6)}`);
    }
    const stress = golden('diff_v1_stress_neglam_T33_d1');
    const m = moduleFromGolden(stress, 'naive');
    const dot = (a: Tensor, b: Tensor): number => a.data.reduce((s, v, c) => s + v * b.data[c], 0);
    expect(dot(m.lambda_q1, m.lambda_k1)).toBeCloseTo(0.1, 6);
    expect(dot(m.lambda_q2, m.lambda_k2)).toBeCloseTo(1.4, 6);
    const lambda = m.lambda().data[0];
    expect(lambda).toBeCloseTo(stress.f64('lambda_full').data[0], 15);
    expect(DOC).toContain(`e^0.1 − e^1.4 + ${fmt(lambdaInit(1), 6)} = ${fmt(lambda, 6)}`);
  });

  it('the rows of A1 − λ·A2 sum to 1 − λ (0.208 in diff_v1_gqa_T33_d11)', () => {
    const f = golden('diff_v1_gqa_T33_d11');
    const { trace } = runGolden(f, 'naive');
    const lambda = trace.get('lambda_full')!;
    const d = sub(trace.get('attn1')!, mul(lambda, trace.get('attn2')!)).data;
    const T = 33;
    for (let r = 0; r < d.length; r += T) {
      const sum = d.subarray(r, r + T).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(1 - lambda.data[0], 13);
    }
    expect(DOC).toContain(`(${fmt(1 - lambda.data[0])} for the λ = ${fmt(lambda.data[0], 6)} of \`diff_v1_gqa_T33_d11\`)`);
  });
});

describe('docs/differential-attention.md §6: GQA pairing', () => {
  const show = (a: number[]): string => `\`[${a.join(',')}]\``;

  it('the worked examples match keyHeadForQueryHead', () => {
    expect(keyHeadForQueryHead(4, 2, 'naive')).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(keyHeadForQueryHead(4, 2, 'paper')).toEqual([0, 1, 0, 1, 2, 3, 2, 3]);
    expect(valueHeadForDiffHead(4, 2)).toEqual([0, 0, 1, 1]);
    expect(DOC).toContain(`${show(keyHeadForQueryHead(4, 2, 'naive'))} (naive) and ${show(keyHeadForQueryHead(4, 2, 'paper'))} (paper)`);
    const tableRow = (label: string, a: number[]): string => `| ${label} | ${a.join(' | ')} |`;
    expect(DOC).toContain(tableRow('`naive` κ(h) = ⌊h/2⌋', keyHeadForQueryHead(4, 2, 'naive')));
    expect(DOC).toContain(tableRow('`paper` κ(h) = 2g + (h mod 2)', keyHeadForQueryHead(4, 2, 'paper')));
    expect(DOC).toContain(tableRow('`naive` κ(h) = ⌊h/3⌋', keyHeadForQueryHead(3, 1, 'naive')));
    expect(DOC).toContain(tableRow('`paper` κ(h)', keyHeadForQueryHead(3, 1, 'paper')));
    expect(keyHeadForQueryHead(3, 1, 'naive')).toEqual([0, 0, 0, 1, 1, 1]);
    expect(keyHeadForQueryHead(4, 1, 'naive')).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('the figure shows the same maps', () => {
    const figure = svg('gqa-pairing.svg');
    for (const pairing of ['naive', 'paper'] as const) {
      expect(figure).toContain(`data-map="${keyHeadForQueryHead(4, 2, pairing).join(',')}"`);
    }
  });

  it('both pairings keep every head inside its KV group and agree for multi-head attention', () => {
    for (let H = 1; H <= 12; H++) {
      for (let Hkv = 1; Hkv <= H; Hkv++) {
        if (H % Hkv !== 0) continue;
        const group = valueHeadForDiffHead(H, Hkv);
        for (const pairing of ['naive', 'paper'] as const) {
          keyHeadForQueryHead(H, Hkv, pairing).forEach((k, h) => expect(Math.floor(k / 2)).toBe(group[Math.floor(h / 2)]));
        }
      }
      expect(keyHeadForQueryHead(H, H, 'naive')).toEqual(keyHeadForQueryHead(H, H, 'paper'));
    }
  });

  it('the bundled GQA files: the measured differences, and each pairing reproduces its file', () => {
    const naive = golden('diff_v1_gqa_T33_d11');
    const flash = golden('diff_v1flash_gqa_T33_d11');
    const shared = ['x', 'grad_y', 'rope.cos', 'rope.sin', 'q_proj.weight', 'k_proj.weight', 'v_proj.weight', 'out_proj.weight',
      'lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2', 'subln.weight'];
    for (const name of shared) expect(maxAbsDiff(naive.f64(name).data, flash.f64(name).data), name).toBe(0);
    const dy = maxAbsDiff(naive.f64('y').data, flash.f64('y').data);
    const dAttn = Math.max(maxAbsDiff(naive.f64('attn1').data, flash.f64('attn1').data), maxAbsDiff(naive.f64('attn2').data, flash.f64('attn2').data));
    const outputs = [...naive.tensors.keys()].filter((n) => n === 'y' || n.startsWith('grad.'));
    const byTensor = outputs.map((n) => [n, maxAbsDiff(naive.f64(n).data, flash.f64(n).data)] as const);
    const [worst, dAll] = byTensor.reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(worst).toBe('grad.q_proj.weight');
    expect(DOC).toContain(`differ by up to ${fmt(dy)} where the largest |y| of the paper file is ${fmt(maxAbs(flash.f64('y').data))}`);
    expect(DOC).toContain(`The attention maps differ by up to ${fmt(dAttn)} and the gradients by up to ${fmt(dAll, 2)} (in \`grad.q_proj.weight\`)`);
    expect(Number(flash.str('check.naive_multihead_diffattn_vs_flashdiff1_max_abs_all'))).toBeCloseTo(dAll, 3);
    expect(Number(flash.str('check.naive_multihead_diffattn_vs_flashdiff1_max_abs_y'))).toBeCloseTo(dy, 3);

    const scale = Math.max(maxAbs(naive.f64('y').data), maxAbs(flash.f64('y').data));
    expect(maxAbsDiff(runGolden(naive, 'naive').y.data, naive.f64('y').data)).toBeLessThan(1e-12 * scale);
    expect(maxAbsDiff(runGolden(naive, 'paper').y.data, flash.f64('y').data)).toBeLessThan(1e-12 * scale);
  });
});

describe('docs/differential-attention.md §8–9: rotary', () => {
  it('quotes the standard and yoco_linspace frequencies for r = 8, θ = 10000', () => {
    expect(Array.from(ropeFrequencies(8, 10000))).toEqual([1, 0.1, 0.01, 0.001].map((v, j) => expect.closeTo(v, 15 - j)));
    const yoco = Array.from(ropeFrequencies(8, 10000, 'yoco_linspace'));
    expect(yoco[0]).toBe(1);
    expect(yoco[3]).toBeCloseTo(1e-4, 15);
    expect(DOC).toContain(`standard [1, 0.1, 0.01, 0.001], yoco_linspace [1, ${yoco[1].toPrecision(3)}, ${yoco[2].toPrecision(3)}, 0.0001]`);
  });

  it('p[2j] = j, p[2j+1] = j + d/2 turns the half rotation into the interleaved one and keeps q·k', () => {
    const d = 8, T = 5, heads = 3;
    const p = Array.from({ length: d }, (_, f) => (f % 2 === 0 ? f / 2 : (f - 1) / 2 + d / 2));
    expect(p).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    const rng = new Rng(3);
    const { cos, sin } = ropeTables(T, ropeFrequencies(d, 100));
    const permute = (u: Float64Array): Float64Array => u.map((_, i) => u[i - (i % d) + p[i % d]]);
    const u = new Tensor(rng.normalArray(T * heads * d, 1), [1, T, heads, d]);
    const w = new Tensor(rng.normalArray(T * heads * d, 1), [1, T, heads, d]);
    const halfThenPermute = permute(rotary(u, cos, sin, 'half').data);
    const permuteThenInterleaved = rotary(new Tensor(permute(u.data), u.shape), cos, sin, 'interleaved').data;
    expect(maxAbsDiff(halfThenPermute, permuteThenInterleaved)).toBeLessThan(1e-15);
    // Scores between any two positions and heads are unchanged by the conversion.
    const uh = rotary(u, cos, sin, 'half').data, wh = rotary(w, cos, sin, 'half').data;
    const ui = rotary(new Tensor(permute(u.data), u.shape), cos, sin, 'interleaved').data;
    const wi = rotary(new Tensor(permute(w.data), w.shape), cos, sin, 'interleaved').data;
    const dot = (a: Float64Array, b: Float64Array, i: number, j: number): number => {
      let s = 0;
      for (let c = 0; c < d; c++) s += a[i * d + c] * b[j * d + c];
      return s;
    };
    for (let i = 0; i < T * heads; i++) for (let j = 0; j < T * heads; j++) expect(dot(ui, wi, i, j)).toBeCloseTo(dot(uh, wh, i, j), 13);
    expect(DOC).toContain('p[2j] = j, p[2j+1] = j + d/2');
  });
});

describe('docs/differential-attention.md: links and figures', () => {
  const links = [...DOC_TEXT.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => ({ target: m[1], index: m.index }));

  it('every relative link points at an existing file or folder', () => {
    const relative = links.filter((l) => !/^[a-z]+:/.test(l.target) && l.target !== 'gradient-flow.md');
    expect(relative.length).toBeGreaterThan(20);
    for (const { target } of relative) expect(existsSync(resolve(dirname(DOC_PATH), target)), target).toBe(true);
  });

  it('a link named after a code identifier points at a file that defines it', () => {
    const named = [...DOC_TEXT.matchAll(/\[`([A-Za-z_][\w.]*)(\([^`]*\))?`\]\((\.\.\/src\/[^)]+\.ts)\)/g)];
    expect(named.length).toBeGreaterThan(20);
    for (const m of named) {
      const identifier = m[1].split('.').pop()!;
      const source = readFileSync(resolve(dirname(DOC_PATH), m[3]), 'utf8');
      expect(source, `${m[1]} in ${m[3]}`).toMatch(new RegExp(`(function|class|interface|type|const)\\s+${identifier}\\b|^\\s+${identifier}\\(`, 'm'));
    }
  });

  it('every embedded figure exists, has a white background and alt text', () => {
    const images = [...DOC_TEXT.matchAll(/!\[([^\]]+)\]\((img\/[^)]+\.svg)\)/g)];
    expect(images.map((m) => m[2]).sort()).toEqual(['img/diff-v1-head.svg', 'img/gqa-pairing.svg', 'img/noise-cancellation.svg']);
    for (const [, alt, path] of images) {
      expect(alt.length).toBeGreaterThan(40);
      const text = readFileSync(join(ROOT, 'docs', path), 'utf8');
      expect(text).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(text).toMatch(/<rect [^>]*width="100%" height="100%" fill="#ffffff"/);
    }
  });
});
