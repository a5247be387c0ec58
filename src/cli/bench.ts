/**
 * `diffattn bench [suite...] [--quick]`: runs the tinybench suites in `bench/` (GEMM, bandwidth,
 * model, attention, relaxed) in a child Node process with `--expose-gc`, printing their tables and
 * writing `bench/results/latest.json`. The suites ship with a source checkout, not the npm package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DiffAttnError } from '../errors.js';
import { packageRoot } from './paths.js';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run the benchmark suites (prints a table, writes bench/results/latest.json)')
    .argument('[suites...]', 'gemm, bandwidth, model, attention, relaxed (default: all)')
    .option('--quick', 'fewer iterations: a smoke run', false)
    .addHelpText('after', '\nExamples:\n  $ diffattn bench gemm\n  $ diffattn bench model attention --quick\nRun one thread on a quiet machine; compare ratios measured in one run.')
    .action((suites: string[], opts: { quick: boolean }) => {
      const runner = join(packageRoot(), 'bench', 'run.js');
      if (!existsSync(runner)) {
        throw new DiffAttnError('missing', `bench: ${runner} not found; the benchmark suites come with a source checkout of diffattn`);
      }
      const args = ['--expose-gc', runner, ...suites, ...(opts.quick ? ['--quick'] : [])];
      const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
    });
}
