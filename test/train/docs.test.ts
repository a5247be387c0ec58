/**
 * docs/training.md's first example runs as written, shortened to 3 steps and writing into a
 * temporary folder, so the code a reader copies cannot rot.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { loadModelFolder } from '../../src/model/index.js';

it('the training example trains both arms and writes loadable checkpoints', async () => {
  const root = join(import.meta.dirname, '..', '..');
  const doc = readFileSync(join(root, 'docs', 'training.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(code, 'docs/training.md has a ```ts example').toBeTruthy();
  const out = mkdtempSync(join(tmpdir(), 'diffattn-train-doc-'));
  const runnable = code!
    .replace("from './src/train/index.js'", `from ${JSON.stringify(join(root, 'src', 'train', 'index.ts'))}`)
    .replace('steps: 400', 'steps: 3')
    .replace('`runs/${arm}`', `\`${out}/\${arm}\``);
  expect(runnable).toContain('steps: 3');
  const dir = join(root, 'node_modules', '.cache', 'diffattn-docs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'training-example.ts');
  writeFileSync(file, runnable);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await import(file);
  const calls = log.mock.calls.map((c) => [c[0], c[1]]);
  log.mockRestore();
  expect(calls).toEqual([['diff', 1], ['diff', 2], ['diff', 3], ['baseline', 1], ['baseline', 2], ['baseline', 3]]);
  expect(loadModelFolder(join(out, 'diff')).config.attention).toBe('diff_v1');
  expect(loadModelFolder(join(out, 'baseline')).config.attention).toBe('baseline');
});
