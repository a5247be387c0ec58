import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refBackend, verifyGolden } from '../../src/oracle/verify.js';
import type { ModelFolderFiles } from '../../src/oracle/diffllama-case.js';
import { GOLDEN_DIR, editedGolden, goldenFiles } from './golden-files.js';

const files = goldenFiles();
const find = (stem: string): string => files.find((f) => basename(f).startsWith(stem))!;

describe('verify --backend ref on the bundled golden files', () => {
  it('has all nine official-code cases', () => {
    expect(files.map((f) => basename(f, '.safetensors'))).toEqual([
      'baseline_mha_T33', 'decoder_v1_mha_T33_d1', 'diff_v1_gqa_T33_d11', 'diff_v1_mha_T33_d1',
      'diff_v1_stress_neglam_T33_d1', 'diff_v1_tiny_T1_d0', 'diff_v1_tiny_T7_d0', 'diff_v1flash_gqa_T33_d11', 'diff_v2_mha_T33',
    ]);
  });

  it.each(files.map((f) => [basename(f), f]))('%s passes every tensor at float64 tolerance', async (_, path) => {
    const report = await verifyGolden(path, readFileSync(path), refBackend);
    const failing = report.tensors.filter((t) => !t.pass);
    expect(report.error).toBeUndefined();
    expect(failing, JSON.stringify(failing)).toEqual([]);
    expect(report.pass).toBe(true);
    // y and grad.x are always present and checked.
    expect(report.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(['y', 'grad.x']));
  });
});

describe('verify fails when it should', () => {
  const mha = find('diff_v1_mha_T33_d1');

  it('catches a perturbation of y far below float32 round-off but above float64 tolerance', async () => {
    // 1e-8 · max|y| exceeds the float64 tolerance 1e-12 + 1e-10·max|y| by two orders of magnitude.
    const bytes = editedGolden(mha, (t) => {
      const y = t.get('y')!.data as Float64Array;
      const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      y[17] += 1e-8 * scale;
    });
    const report = await verifyGolden('perturbed', bytes, refBackend);
    expect(report.pass).toBe(false);
    expect(report.tensors.filter((t) => !t.pass).map((t) => t.name)).toEqual(['y']);
  });

  it('catches a wrong gradient of one parameter', async () => {
    const bytes = editedGolden(mha, (t) => { (t.get('grad.lambda_q2')!.data as Float64Array)[3] *= 1.001; });
    const report = await verifyGolden('perturbed', bytes, refBackend);
    expect(report.tensors.filter((t) => !t.pass).map((t) => t.name)).toEqual(['grad.lambda_q2']);
  });

  it('fails a file holding a tensor it cannot check instead of skipping it', async () => {
    const bytes = editedGolden(mha, (t) => { t.set('mystery', { dtype: 'F64', shape: [2], data: new Float64Array(2) }); });
    const report = await verifyGolden('extra', bytes, refBackend);
    expect(report.pass).toBe(false);
    expect(report.tensors.find((t) => t.name === 'mystery')?.note).toMatch(/not computed/);
  });

  it('tells the naive and the paper GQA pairings apart (the two official files disagree under GQA)', async () => {
    const naive = find('diff_v1_gqa_T33_d11');
    const relabelled = editedGolden(naive, (_, meta) => { meta.kind = 'diff_v1_flash1'; });
    const report = await verifyGolden('relabelled', relabelled, refBackend);
    expect(report.pass).toBe(false);
    expect(report.tensors.find((t) => t.name === 'y')?.pass).toBe(false);
    expect(report.tensors.find((t) => t.name === 'map.k_head_for_q_head')?.pass).toBe(false);
  });

  it('reports a missing parameter by name', async () => {
    const bytes = editedGolden(mha, (t) => { t.delete('subln.weight'); });
    const report = await verifyGolden('missing', bytes, refBackend);
    expect(report.pass).toBe(false);
    expect(report.error).toMatch(/subln\.weight/);
  });

  it('rejects metadata whose lambda_init contradicts its depth', async () => {
    const bytes = editedGolden(mha, (_, meta) => { meta.lambda_init = '0.5'; });
    const report = await verifyGolden('bad-meta', bytes, refBackend);
    expect(report.error).toMatch(/lambda_init/);
  });

  it('rejects an unknown kind with the list of known ones', async () => {
    const bytes = editedGolden(mha, (_, meta) => { meta.kind = 'diff_v3'; });
    const report = await verifyGolden('bad-kind', bytes, refBackend);
    expect(report.error).toMatch(/diff_v3.*diff_v1/);
  });
});

describe('DiffLlama golden files and model folders', () => {
  const dir = join(GOLDEN_DIR, 'diffllama');
  const folderFiles = (folder: string): ModelFolderFiles => ({
    configJson: JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')),
    weights: readFileSync(join(folder, 'model.safetensors')),
  });

  it.each(['diffllama_attn_mha_T9', 'diffllama_attn_gqa_T17'])('%s passes, gradients mapped back to DiffLlama names', async (stem) => {
    const path = join(dir, 'vectors', `${stem}.safetensors`);
    const report = await verifyGolden(path, readFileSync(path), refBackend);
    expect(report.tensors.filter((t) => !t.pass)).toEqual([]);
    expect(report.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(['grad.o_proj.weight', 'grad.v_proj.weight', 'attn_weights', 'q_rot', 'k_rot']));
    expect(report.pass).toBe(true);
  });

  it('the tiny tied model folder passes: logits, loss, hidden states and the exact greedy tokens', async () => {
    const folder = join(dir, 'models', 'diffllama_tiny_tied');
    const path = join(folder, 'golden.safetensors');
    const report = await verifyGolden(path, readFileSync(path), refBackend, folderFiles(folder));
    expect(report.tensors.filter((t) => !t.pass)).toEqual([]);
    expect(report.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(['logits', 'loss', 'greedy_tokens', 'hidden_states.2']));
    expect(report.pass).toBe(true);
  });

  it('a greedy token that differs fails the folder', async () => {
    const folder = join(dir, 'models', 'diffllama_tiny_tied');
    const bytes = editedGolden(join(folder, 'golden.safetensors'), (t) => { (t.get('greedy_tokens')!.data as BigInt64Array)[5] += 1n; });
    const report = await verifyGolden('edited', bytes, refBackend, folderFiles(folder));
    expect(report.tensors.filter((t) => !t.pass).map((t) => t.name)).toEqual(['greedy_tokens']);
  });

  it('a model golden file alone asks for its folder', async () => {
    const path = join(dir, 'models', 'diffllama_tiny_tied', 'golden.safetensors');
    const report = await verifyGolden(path, readFileSync(path), refBackend);
    expect(report.error).toMatch(/model folder/);
  });
});
