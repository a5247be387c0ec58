/**
 * `verify --backend wasm`: the float32 engine judged by the golden files at the float32 tolerance
 * |impl − ref| ≤ 1e-6 + 5e-5·max|ref|, for y, every gradient and every intermediate:
 * - every bundled file (official-code vectors, DiffLlama vectors, the DiffLlama model folder);
 * - the synthetic files of the option table, with the float64 reference's gradients added where
 *   the file has none, so the engine's backward is judged for every option too;
 * - corrupted and unproducible tensors fail; the built CLI prints the same JSON as `--backend ref`.
 * The worst error per kind (outputs, gradients, intermediates) is printed at the end.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoldenFile } from '../../src/io/golden.js';
import { readSafetensors, writeSafetensors, type SafeTensor } from '../../src/io/safetensors.js';
import { TOLERANCES } from '../../src/oracle/compare.js';
import type { ModelFolderFiles } from '../../src/oracle/diffllama-case.js';
import { parseGoldenCase } from '../../src/oracle/golden-case.js';
import { buildRefModule, runRef } from '../../src/oracle/ref-backend.js';
import { refBackend, verifyGolden, type FileReport, type VerifyBackend } from '../../src/oracle/verify.js';
import { createWasmBackend } from '../../src/oracle/wasm-backend.js';
import { Tensor, type MultiheadDiffAttn } from '../../src/ref/index.js';
import { GOLDEN_DIR, editedGolden, goldenFiles } from './golden-files.js';
import { parameterShapes } from './independent/config.js';
import { makeGolden, type SyntheticGolden } from './independent/make-golden.js';
import { OPTION_ROWS } from './option-table.js';

let wasm: VerifyBackend;
beforeAll(async () => {
  wasm = await createWasmBackend();
});

const MODEL = join(GOLDEN_DIR, 'diffllama', 'models', 'diffllama_tiny_tied');
const VECTORS = join(GOLDEN_DIR, 'diffllama', 'vectors');
const BUNDLED = [
  ...goldenFiles(), join(VECTORS, 'diffllama_attn_gqa_T17.safetensors'), join(VECTORS, 'diffllama_attn_mha_T9.safetensors'),
  join(MODEL, 'golden.safetensors'),
];
const folderOf = (path: string): ModelFolderFiles | undefined => (path.startsWith(MODEL)
  ? { configJson: JSON.parse(readFileSync(join(MODEL, 'config.json'), 'utf8')), weights: readFileSync(join(MODEL, 'model.safetensors')) }
  : undefined);
const failing = (r: FileReport): string[] => r.tensors.filter((t) => !t.pass).map((t) => t.name);
/** What `verify` feeds in rather than checks (besides the parameters). */
const INPUTS = ['x', 'grad_y', 'rope.positions'];

// ---------------------------------------------------------------------------------------------
// The worst errors per kind, printed once all files ran.

type Group = 'outputs' | 'gradients' | 'intermediates';
/** Per kind and group: the largest max rel err (and its tensor), and the largest |err| / tolerance. */
const worst = new Map<string, { files: number; groups: Map<Group, { rel: number; name: string; ofTol: number }> }>();

/** Records a passing report's errors under `kind`; f32.* rows and metadata checks are not the backend's. */
function record(kind: string, r: FileReport): void {
  const { atol, rtol } = TOLERANCES.float32;
  const entry = worst.get(kind) ?? { files: 0, groups: new Map() };
  worst.set(kind, entry);
  entry.files++;
  for (const t of r.tensors) {
    if (t.name.startsWith('f32.') || t.note === 'rebuilt from the metadata') continue;
    const group: Group = t.name.startsWith('grad.') ? 'gradients' : ['y', 'logits', 'loss'].includes(t.name) ? 'outputs' : 'intermediates';
    const scale = t.maxRelErr > 0 ? t.maxAbsErr / t.maxRelErr : 0;
    const prev = entry.groups.get(group) ?? { rel: -1, name: '', ofTol: 0 };
    entry.groups.set(group, {
      ...(t.maxRelErr > prev.rel ? { rel: t.maxRelErr, name: t.name } : prev), ofTol: Math.max(prev.ofTol, t.maxAbsErr / (atol + rtol * scale)),
    });
  }
}

afterAll(() => {
  const cell = (g?: { rel: number; name: string; ofTol: number }): string => (g ? `${g.rel.toExponential(2)} ${g.name} [${g.ofTol.toFixed(3)}]` : '–');
  const rows = [...worst].map(([kind, { files, groups }]) =>
    `${`${kind}, ${files}`.padEnd(40)} ${cell(groups.get('outputs')).padEnd(26)} ${cell(groups.get('gradients')).padEnd(42)} ${cell(groups.get('intermediates'))}`);
  console.log([
    'verify --backend wasm: max rel err per kind and group (its tensor) [largest |err| / tolerance in the group]',
    `${'kind, files'.padEnd(40)} ${'y / logits, loss'.padEnd(26)} ${'gradients'.padEnd(42)} intermediates`, ...rows,
  ].join('\n'));
});

// ---------------------------------------------------------------------------------------------

describe('verify --backend wasm on the bundled golden files', () => {
  it.each(BUNDLED.map((f) => [basename(f) === 'golden.safetensors' ? 'diffllama_tiny_tied' : basename(f), f]))('%s passes every tensor at float32 tolerance', async (_, path) => {
    const ref = await verifyGolden(path, readFileSync(path), refBackend, folderOf(path));
    const report = await verifyGolden(path, readFileSync(path), wasm, folderOf(path));
    expect(report.error).toBeUndefined();
    expect(failing(report), JSON.stringify(report.tensors.filter((t) => !t.pass))).toEqual([]);
    expect(report.pass).toBe(true);
    // The engine reports on exactly the tensors the reference does: none is skipped.
    expect(report.tensors.map((t) => t.name)).toEqual(ref.tensors.map((t) => t.name));
    record(`${report.kind} (bundled)`, report);
  });

  it('the model folder: greedy tokens from prefill + KV-cache decode equal the golden ones exactly', async () => {
    const path = join(MODEL, 'golden.safetensors');
    const report = await verifyGolden(path, readFileSync(path), wasm, folderOf(path));
    for (const name of ['greedy_tokens', 'greedy_sequence']) expect(report.tensors.find((t) => t.name === name)?.maxAbsErr, name).toBe(0);
    expect(report.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(['logits', 'loss', 'hidden_states.0', 'hidden_states.2', 'greedy_step_logits', 'greedy_margins']));
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * A copy of a golden file with the float64 reference's results written in: `'missing grads'` adds
 * the gradients the file lacks (synthetic files store finite-difference gradients for the small
 * cases only); `'all'` replaces every tensor the reference computes (after an edit of the inputs).
 */
function withReference(bytes: Uint8Array, which: 'missing grads' | 'all', edit?: (t: Map<string, SafeTensor>) => void): Uint8Array {
  const file = readSafetensors(bytes);
  const tensors = new Map([...file.tensors].map(([n, t]) => [n, { ...t, data: t.data.slice() } as SafeTensor]));
  edit?.(tensors);
  const c = parseGoldenCase(new GoldenFile('edited', writeSafetensors(tensors, file.metadata)));
  for (const [name, t] of c.toFile(runRef(c))) {
    const add = which === 'all' ? tensors.has(name) || name.startsWith('grad.') : name.startsWith('grad.') && !tensors.has(name);
    if (add) tensors.set(name, { dtype: 'F64', shape: [...t.shape], data: t.data });
  }
  return writeSafetensors(tensors, file.metadata);
}

const files = new Map<string, SyntheticGolden>();
beforeAll(() => {
  for (const spec of OPTION_ROWS) files.set(spec.name, makeGolden(spec));
});

describe('synthetic golden files for every option pass verify --backend wasm', () => {
  it.each(OPTION_ROWS.map((r) => [r.name]))('%s', async (name) => {
    const g = files.get(name)!;
    const report = await verifyGolden(name, g.bytes, wasm);
    expect(report.error).toBeUndefined();
    expect(failing(report), JSON.stringify(report.tensors.filter((t) => !t.pass))).toEqual([]);
    const params = new Set(parameterShapes(g.config).keys());
    expect(report.tensors.map((t) => t.name)).toEqual([...g.tensors.keys()].filter((n) => !params.has(n) && !INPUTS.includes(n)).sort());
    record(`${g.config.kind} (synthetic)`, report);
  });
});

/**
 * Rows whose DIFF V1 λ gradients no float32 evaluation meets the tolerance on: dλ = (1/λ)·Σ ∂L/∂A₂ ⊙ A₂
 * nearly cancels (|dλ| ≈ 3e-4 here, condition number ≈ 3.1e3), and the stress-rescaled λq vectors
 * turn it into large ∂L/∂λk. A plain float32 evaluation of that sum from the exact ∂L/∂O is 1.0e-4
 * off (measured); the engine is 1.9e-4 off, ≈ u·cond. ∂L/∂λq stay under the atol.
 */
const F32_ILL_CONDITIONED: Record<string, string[]> = { 'diff_v1: large λ (depth 11)': ['grad.lambda_k1', 'grad.lambda_k2'] };

describe('every option\'s gradients against the float64 reference, on the engine', () => {
  it.each(OPTION_ROWS.map((r) => [r.name]))('%s', async (name) => {
    const g = files.get(name)!;
    const bytes = withReference(g.bytes, 'missing grads');
    const report = await verifyGolden(name, bytes, wasm);
    expect(report.error).toBeUndefined();
    const known = F32_ILL_CONDITIONED[name] ?? [];
    expect(failing(report), JSON.stringify(report.tensors.filter((t) => !t.pass))).toEqual(known);
    if (known.length > 0) {
      const bound = 4 * 2 ** -24 * lambdaConditioning(bytes);
      for (const t of report.tensors.filter((r) => known.includes(r.name))) expect(t.maxRelErr, t.name).toBeLessThanOrEqual(bound);
    }
    // x's and every parameter's gradient are checked.
    const params = [...parameterShapes(g.config).keys()];
    expect(report.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(['grad.x', ...params.map((p) => `grad.${p}`)]));
    if (known.length === 0) record(`${g.config.kind} (synthetic, ref grads)`, report);
  });
});

/**
 * The condition number of DIFF V1's dλ as a sum over the second maps' entries,
 * Σ|∂L/∂A₂ ⊙ A₂| / |Σ ∂L/∂A₂ ⊙ A₂|, from the float64 reference's autograd: a float32 evaluation
 * of the sum is about u·cond off (relative), whatever the implementation.
 */
function lambdaConditioning(bytes: Uint8Array): number {
  const c = parseGoldenCase(new GoldenFile('conditioning', bytes));
  if (c.task.type !== 'module') throw new Error('a module case');
  const module = buildRefModule(c.module) as MultiheadDiffAttn;
  module.loadStateDict(c.params);
  const trace = new Map<string, Tensor>();
  const leaf = (t: { shape: number[]; data: Float64Array }): Tensor => new Tensor(t.data.slice(), t.shape);
  module.forward(leaf(c.task.x), { cos: leaf(c.task.rope.cos), sin: leaf(c.task.rope.sin) }, trace).backward(c.task.gradY.data);
  const a2 = trace.get('attn2')!;
  let sum = 0, abs = 0;
  a2.data.forEach((a, i) => { sum += a * a2.grad![i]; abs += Math.abs(a * a2.grad![i]); });
  return abs / Math.abs(sum);
}

// ---------------------------------------------------------------------------------------------

describe('verify --backend wasm fails when it should', () => {
  const mha = goldenFiles().find((f) => basename(f).startsWith('diff_v1_mha_T33_d1'))!;
  const maxAbs = (d: Float64Array): number => d.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

  it('catches a perturbation of y of twice the float32 tolerance', async () => {
    const bytes = editedGolden(mha, (t) => {
      const y = t.get('y')!.data as Float64Array;
      y[17] += 2 * (TOLERANCES.float32.atol + TOLERANCES.float32.rtol * maxAbs(y));
    });
    expect(failing(await verifyGolden('perturbed', bytes, wasm))).toEqual(['y']);
  });

  it('catches a wrong gradient of one λ vector', async () => {
    const bytes = editedGolden(mha, (t) => {
      const g = t.get('grad.lambda_q2')!.data as Float64Array;
      g[3] += 2 * (TOLERANCES.float32.atol + TOLERANCES.float32.rtol * maxAbs(g));
    });
    expect(failing(await verifyGolden('perturbed', bytes, wasm))).toEqual(['grad.lambda_q2']);
  });

  it('runs the pairing the kind names: the naive GQA file relabelled as flash fails', async () => {
    const naive = goldenFiles().find((f) => basename(f).startsWith('diff_v1_gqa_T33_d11'))!;
    const report = await verifyGolden('relabelled', editedGolden(naive, (_, meta) => { meta.kind = 'diff_v1_flash1'; }), wasm);
    expect(failing(report)).toEqual(expect.arrayContaining(['y', 'grad.x', 'attn1', 'attn2', 'map.k_head_for_q_head']));
  });

  it('fails a tensor the engine does not compute instead of skipping it', async () => {
    const bytes = editedGolden(mha, (t) => { t.set('mystery', { dtype: 'F64', shape: [2], data: new Float64Array(2) }); });
    const report = await verifyGolden('extra', bytes, wasm);
    expect(failing(report)).toEqual(['mystery']);
    expect(report.tensors.find((t) => t.name === 'mystery')?.note).toMatch(/not computed/);
  });

  it('with a zero gain channel pre_subln cannot be recovered from the kernel output: it fails as not computed, all else passes', async () => {
    // A consistent file: the reference recomputes every tensor after the edit (and passes it).
    const bytes = withReference(files.get('diff_v1: MQA (H 4, Hkv 1, n_rep 4)')!.bytes, 'all', (t) => {
      (t.get('subln.weight')!.data as Float64Array)[1] = 0;
    });
    expect((await verifyGolden('zero gain', bytes, refBackend)).pass).toBe(true);
    const report = await verifyGolden('zero gain', bytes, wasm);
    expect(failing(report)).toEqual(['pre_subln']);
    expect(report.tensors.find((t) => t.name === 'pre_subln')?.note).toMatch(/not computed/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the built CLI (run `npm run build` first)', () => {
  const root = join(import.meta.dirname, '..', '..');
  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [join(root, 'bin', 'diffattn.js'), 'verify', ...args], { encoding: 'utf8', timeout: 120_000 });

  it('verify --backend wasm --json passes every bundled file with the JSON schema of --backend ref', () => {
    const w = cli('--backend', 'wasm', '--json');
    expect(w.status, w.stderr).toBe(0);
    const r = cli('--json');
    expect(r.status, r.stderr).toBe(0);
    type Row = { file: string; kind: string; backend: string; pass: boolean; maxRelErr: number; tensors: Array<Record<string, unknown>> };
    const [wasmRows, refRows] = [JSON.parse(w.stdout) as Row[], JSON.parse(r.stdout) as Row[]];
    expect(wasmRows).toHaveLength(12);
    expect(wasmRows.every((f) => f.backend === 'wasm' && f.pass)).toBe(true);
    const shape = (rows: Row[]): unknown => rows.map((f) => ({
      keys: Object.keys(f), file: f.file, kind: f.kind, tensors: f.tensors.map((t) => [t.name, Object.keys(t)]),
    }));
    expect(shape(wasmRows)).toEqual(shape(refRows));
  });
});
