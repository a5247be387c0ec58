/**
 * Every option of the golden format (README §2–§6), not only the nine bundled cases: synthetic
 * golden files built by an independent float64 re-derivation (`test/oracle/independent`, which
 * shares no code with `src/ref`) must pass `verify --backend ref` with every tensor checked, and
 * corrupted copies must fail. The re-derivation itself is first held to the official files.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors, type SafeTensor } from '../../src/io/safetensors.js';
import { refBackend, verifyGolden } from '../../src/oracle/verify.js';
import { goldenFiles } from './golden-files.js';
import { lambdaInitOf, parameterShapes } from './independent/config.js';
import { finiteDifferenceGradients } from './independent/finite-difference.js';
import { independentForward, lossOf } from './independent/forward.js';
import { readCase, relativeError } from './independent/golden-io.js';
import { FD_REL_STEP, fdAccepts, makeGolden, STRESS_DOTS, verifyTolerance, type SyntheticGolden, type SyntheticSpec } from './independent/make-golden.js';
import { buildRopeTables } from './independent/primitives.js';

const INPUTS = new Set(['x', 'grad_y', 'rope.cos', 'rope.sin', 'rope.positions']);

describe('the independent re-derivation reproduces the official golden files', () => {
  it.each(goldenFiles().map((f) => [basename(f), f]))('%s: y, every intermediate and map, and the rope tables', (_, path) => {
    const c = readCase(readFileSync(path));
    const result = independentForward(c.config, c.params, c.x, c.rope);
    const produced = new Map([['y', result.y], ...result.intermediates]);
    for (const [name, t] of produced) {
      expect(c.tensors.has(name), `${name} is not in the file`).toBe(true);
      expect(relativeError(t, c.tensors.get(name)!), name).toBeLessThanOrEqual(1e-12);
    }
    for (const [name, map] of result.maps) expect([...c.tensors.get(name)!.data], name).toEqual(map);
    // The tables rebuilt from rope_theta / rope_schedule / rotary_dim are the stored ones (to round-off).
    const rebuilt = buildRopeTables(c.config.seqLen, c.config.rotaryDim, c.config.ropeTheta, c.config.ropeSchedule);
    for (const [table, stored] of [[rebuilt.cos, c.rope.cos], [rebuilt.sin, c.rope.sin]]) {
      table.forEach((row, t) => row.forEach((v, j) => expect(Math.abs(v - stored[t][j])).toBeLessThanOrEqual(1e-15)));
    }
    // Coverage: every tensor of the file is a parameter, an input, a gradient, an official float32
    // result, or something the re-derivation computed, so no part of the format escapes it.
    const params = new Set(parameterShapes(c.config).keys());
    const unexplained = [...c.tensors.keys()].filter((n) =>
      !params.has(n) && !INPUTS.has(n) && !n.startsWith('grad.') && !n.startsWith('f32.') && !produced.has(n) && !result.maps.has(n));
    expect(unexplained).toEqual([]);
  });

  // The tiny files make finite differences affordable; T = 1 is where the λ gradients are tiny.
  it.each([
    ['diff_v1_tiny_T7_d0', ['x', 'subln.weight', 'lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2']],
    ['diff_v1_tiny_T1_d0', ['x', 'lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2']],
  ])('%s: finite-difference gradients the generator would store match the official ones', (stem, names) => {
    const c = readCase(readFileSync(goldenFiles().find((f) => basename(f) === `${stem}.safetensors`)!));
    const inputs = new Map(names.map((n) => [n, n === 'x' ? c.x : c.params.get(n)!]));
    const fd = finiteDifferenceGradients(inputs, () => lossOf(independentForward(c.config, c.params, c.x, c.rope).y, c.gradY), FD_REL_STEP);
    for (const [name, g] of fd) {
      if (!fdAccepts(g)) continue;
      const official = c.tensors.get(`grad.${name}`)!;
      const worst = official.data.reduce((m, v, i) => Math.max(m, Math.abs(g.gradient.data[i] - v)), 0);
      expect(worst, `grad.${name}`).toBeLessThanOrEqual(verifyTolerance(official));
    }
    expect(fdAccepts(fd.get('x')!), 'grad.x must be resolvable by finite differences').toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The option table. V1 options run for both pairings; sizes are the smallest that exhibit each.

type Options = Omit<SyntheticSpec, 'name' | 'kind'>;
const V1_OPTIONS: Array<[string, Options]> = [
  ['MQA (H 4, Hkv 1, n_rep 4)', { embedDim: 32, numHeads: 4, numKvHeads: 1, headDim: 4, batch: 2, seqLen: 6 }],
  ['odd n_rep 3 (H 3, Hkv 1)', { embedDim: 24, numHeads: 3, numKvHeads: 1, headDim: 4, seqLen: 6, seed: 2 }],
  ['partial rotary (d 8, r 4)', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, rotaryDim: 4, seed: 3 }],
  ['yoco_linspace, θ 5e5', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, ropeSchedule: 'yoco_linspace', ropeTheta: 5e5, seqLen: 9, seed: 4 }],
  ['non-interleaved, partial r 6', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, interleaved: false, rotaryDim: 6, seed: 5 }],
  ['negative λ (depth 1, x ×3)', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, lambdaStress: 'negative', depth: 1, xScale: 3, seed: 6 }],
  ['large λ (depth 11)', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, lambdaStress: 'positive', depth: 11, seed: 7 }],
  ['T = 1', { embedDim: 16, numHeads: 2, numKvHeads: 1, headDim: 4, seqLen: 1, batch: 2, seed: 8 }],
  ['small GQA with FD gradients', { embedDim: 16, numHeads: 2, numKvHeads: 1, headDim: 4, seqLen: 4, seed: 9, grads: true }],
];

const ROWS: SyntheticSpec[] = [
  ...V1_OPTIONS.flatMap(([label, o]) => (['diff_v1', 'diff_v1_flash1'] as const).map((kind) => ({ name: `${kind}: ${label}`, kind, ...o }))),
  { name: 'diff_v2: odd group (H 3, Hkv 2 → group 3)', kind: 'diff_v2', embedDim: 16, numHeads: 3, numKvHeads: 2, headDim: 4, seqLen: 7, seed: 10 },
  { name: 'diff_v2: d_model 24 ≠ H·d 32', kind: 'diff_v2', embedDim: 24, numHeads: 2, numKvHeads: 2, headDim: 16, batch: 2, seqLen: 4, seed: 11 },
  { name: 'diff_v2: MQA, λ_proj ×8, yoco θ 5e5', kind: 'diff_v2', embedDim: 16, numHeads: 2, numKvHeads: 1, headDim: 8, lambdaProjScale: 8, ropeSchedule: 'yoco_linspace', ropeTheta: 5e5, seed: 12 },
  { name: 'diff_v2: T = 1, non-interleaved', kind: 'diff_v2', embedDim: 16, numHeads: 2, numKvHeads: 2, headDim: 8, seqLen: 1, batch: 2, interleaved: false, seed: 13 },
  { name: 'diff_v2: odd group with FD gradients', kind: 'diff_v2', embedDim: 8, numHeads: 3, numKvHeads: 2, headDim: 4, seqLen: 4, seed: 14, grads: true },
  { name: 'baseline_v2: GQA (H 3, Hkv 1), d_model 20 ≠ H·d, partial r 4', kind: 'baseline_v2', embedDim: 20, numHeads: 3, numKvHeads: 1, headDim: 6, rotaryDim: 4, seed: 15 },
  { name: 'baseline_v2: small with FD gradients', kind: 'baseline_v2', embedDim: 8, numHeads: 3, numKvHeads: 1, headDim: 4, rotaryDim: 2, seqLen: 4, seed: 16, grads: true },
  { name: 'baseline: GQA (H 4, Hkv 2)', kind: 'baseline', embedDim: 32, numHeads: 4, numKvHeads: 2, headDim: 8, batch: 2, seqLen: 6, seed: 17 },
  { name: 'baseline: MQA, non-interleaved, yoco θ 5e5', kind: 'baseline', embedDim: 24, numHeads: 3, numKvHeads: 1, headDim: 8, interleaved: false, ropeSchedule: 'yoco_linspace', ropeTheta: 5e5, seed: 18 },
  { name: 'baseline: small GQA with FD gradients', kind: 'baseline', embedDim: 8, numHeads: 2, numKvHeads: 1, headDim: 4, seqLen: 4, seed: 19, grads: true },
  { name: 'decoder_layer_v1: GQA (H 2, Hkv 1)', kind: 'decoder_layer_v1', embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, ffnHidden: 48, batch: 2, seed: 20 },
  // r 2 with yoco_linspace: one frequency, linspace(0, 1, 1) = [0], where the README's j/(r/2 − 1) is 0/0.
  { name: 'decoder_layer_v1: odd n_rep 3, negative λ, yoco with r 2', kind: 'decoder_layer_v1', embedDim: 24, numHeads: 3, numKvHeads: 1, headDim: 4, rotaryDim: 2, ropeSchedule: 'yoco_linspace', ropeTheta: 5e5, ffnHidden: 40, lambdaStress: 'negative', seed: 21 },
  // E 16, not 8: with 8 channels the pre-norms' curvature put grad.x beyond FD's reach for 2 of 4 seeds tried.
  { name: 'decoder_layer_v1: small GQA with FD gradients', kind: 'decoder_layer_v1', embedDim: 16, numHeads: 2, numKvHeads: 1, headDim: 4, ffnHidden: 8, seqLen: 3, seed: 22, grads: true },
];

// Each file is generated once and shared by the tests of its row.
const files = new Map<string, SyntheticGolden>();
beforeAll(() => {
  for (const spec of ROWS) files.set(spec.name, makeGolden(spec));
});

/** A copy of a generated file with `edit` applied to (copies of) its tensors and metadata. */
function edited(g: SyntheticGolden, edit: (tensors: Map<string, SafeTensor>, meta: Record<string, string>) => void): Uint8Array {
  const tensors = new Map([...g.tensors].map(([n, t]) => [n, { ...t, data: t.data.slice() } as SafeTensor]));
  const meta = { ...g.metadata };
  edit(tensors, meta);
  return writeSafetensors(tensors, meta);
}

/** The names `verify` must report for a file: every tensor but the parameters and the inputs it feeds in. */
function checkedNames(g: SyntheticGolden): string[] {
  const params = new Set(parameterShapes(g.config).keys());
  return [...g.tensors.keys()].filter((n) => !params.has(n) && n !== 'x' && n !== 'grad_y' && n !== 'rope.positions').sort();
}

const failingNames = (report: { tensors: Array<{ name: string; pass: boolean }> }): string[] =>
  report.tensors.filter((t) => !t.pass).map((t) => t.name);

describe('synthetic golden files for every option pass verify --backend ref', () => {
  it.each(ROWS.map((r) => [r.name, r]))('%s', async (name, spec) => {
    const g = files.get(name)!;
    const report = await verifyGolden(name, g.bytes, refBackend);
    expect(report.error).toBeUndefined();
    expect(report.tensors.filter((t) => !t.pass), JSON.stringify(report.tensors.filter((t) => !t.pass))).toEqual([]);
    expect(report.pass).toBe(true);
    expect(report.tensors.map((t) => t.name).sort()).toEqual(checkedNames(g));
    if (spec.grads) {
      // Finite differences resolve every gradient but the λ vectors' (see FD_ACCEPT).
      expect(g.tensors.has('grad.x')).toBe(true);
      expect(g.omittedGrads.filter((n) => !/lambda_[qk][12]$/.test(n))).toEqual([]);
    }
  });
});

describe('corrupted synthetic files fail', () => {
  it.each(ROWS.map((r) => [r.name]))('%s: y perturbed by 1e-8 relative', async (name) => {
    // 1e-8·max|y| is 100× the float64 tolerance 1e-12 + 1e-10·max|y| (max|y| ≳ 0.1 here).
    const bytes = edited(files.get(name)!, (t) => {
      const y = t.get('y')!.data as Float64Array;
      y[0] += 1e-8 * y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    });
    const report = await verifyGolden(`${name} (y perturbed)`, bytes, refBackend);
    expect(report.pass).toBe(false);
    expect(failingNames(report)).toEqual(['y']);
  });

  // With n_rep > 1 the naive and flash pairings read different key heads (README §8.2).
  const swappable = ROWS.filter((r) => (r.kind === 'diff_v1' || r.kind === 'diff_v1_flash1') && r.numHeads / r.numKvHeads > 1);
  it.each(swappable.map((r) => [r.name, r]))('%s: relabelled as the other V1 pairing', async (name, spec) => {
    const other = spec.kind === 'diff_v1' ? 'diff_v1_flash1' : 'diff_v1';
    const report = await verifyGolden(`${name} (as ${other})`, edited(files.get(name)!, (_, meta) => { meta.kind = other; }), refBackend);
    expect(report.pass).toBe(false);
    const failing = failingNames(report);
    expect(failing).toContain('map.k_head_for_q_head');
    // At T = 1 every map is the single entry 1 whichever key head it reads, so only the map
    // tensor can tell the pairings apart; for T > 1 the output differs too.
    if ((spec.seqLen ?? 5) > 1) expect(failing).toEqual(expect.arrayContaining(['y', 'attn1', 'attn2']));
    else expect(failing).toEqual(['map.k_head_for_q_head']);
  });
});

describe('stress λ lands where README §6 puts it', () => {
  it.each(ROWS.filter((r) => r.lambdaStress).map((r) => [r.name, r]))('%s', (name, spec) => {
    const g = files.get(name)!;
    const [a, b] = STRESS_DOTS[spec.lambdaStress!];
    const expected = Math.exp(a) - Math.exp(b) + lambdaInitOf(g.config.depth);
    // Only the float32 rounding of the rescaled λq vectors moves the dot products off target.
    expect(Math.abs(Number(g.metadata.lambda_full) - expected)).toBeLessThan(1e-5);
    expect(spec.lambdaStress === 'negative' ? expected < -2.5 : expected > 5).toBe(true);
  });
});
