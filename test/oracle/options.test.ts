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
import { FD_REL_STEP, fdAccepts, makeGolden, STRESS_DOTS, verifyTolerance, type SyntheticGolden } from './independent/make-golden.js';
import { buildRopeTables } from './independent/primitives.js';
import { OPTION_ROWS as ROWS } from './option-table.js';

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
