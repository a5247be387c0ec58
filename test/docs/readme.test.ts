/**
 * The README's reference example runs as written (with the package import pointed at the source),
 * so the first code a reader copies cannot rot.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';

it('the README example runs and prints λ and the official parameter names', async () => {
  const root = join(import.meta.dirname, '..', '..');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code, 'README has a ```ts example').toBeTruthy();
  const dir = join(root, 'node_modules', '.cache', 'diffattn-docs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readme-example.ts');
  writeFileSync(file, code!.replace("from 'diffattn/ref'", `from ${JSON.stringify(join(root, 'src', 'ref', 'index.ts'))}`));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await import(file);
  const [lambda, names] = log.mock.calls[0] as [number, string[]];
  log.mockRestore();
  // λ at depth 1 starts near λinit(1) = 0.8 − 0.6·e^−0.3 ≈ 0.3555 (the exp terms nearly cancel at init).
  expect(Math.abs(lambda - (0.8 - 0.6 * Math.exp(-0.3)))).toBeLessThan(0.1);
  // PyTorch's state_dict order: a module's own parameters first, then its children's.
  expect(names).toEqual(['lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2', 'q_proj.weight', 'k_proj.weight', 'v_proj.weight', 'out_proj.weight', 'subln.weight']);
});
