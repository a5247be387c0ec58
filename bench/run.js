/**
 * Benchmark runner: `npm run bench [-- <suite> ...] [--quick]`.
 *
 * Runs the named suites (default: all, in the order below), each printing its own table and
 * returning records, then merges the records into bench/results/latest.json once: records of the
 * suites that ran replace their previous ones, other suites' records are kept.
 *
 * It benchmarks the shipped code, so it imports the compiled engine from dist/ (`npm run build`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Suites in run order; memory-hungry ones last (linear memory never shrinks). */
const SUITES = {
  gemm: () => import('./gemm.js'),
  bandwidth: () => import('./bandwidth.js'),
  model: () => import('./model.js'),
  attention: () => import('./attention.js'),
  relaxed: () => import('./relaxed.js'),
};

const RESULTS = new URL('./results/latest.json', import.meta.url);
const ENGINE = new URL('../dist/src/engine/index.js', import.meta.url);

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in SUITES));
  if (unknown.length > 0) {
    throw new Error(`unknown suite(s) ${unknown.join(', ')}; available: ${Object.keys(SUITES).join(', ')}`);
  }
  const selected = names.length > 0 ? Object.keys(SUITES).filter((n) => names.includes(n)) : Object.keys(SUITES);
  if (!existsSync(ENGINE)) {
    throw new Error('compiled engine not found at dist/src/engine/index.js: run `npm run build` first');
  }
  const { Engine } = await import(ENGINE.href);
  const engine = await Engine.load();

  const env = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown' };
  console.log(`diffattn bench — ${env.date}, Node ${env.node}, ${env.cpu} ×${cpus().length}, ` +
    `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}${quick ? ', --quick' : ''}`);
  if (loadavg()[0] > 0.5) console.log('note: the machine is busy; compare ratios within this run, not absolute times.');

  const records = [];
  for (const name of selected) {
    const suite = await SUITES[name]();
    console.log(`\n## ${name}`);
    for (const r of await suite.run({ engine, quick })) records.push({ suite: name, ...r, ...env });
  }
  writeResults(records, selected);
}

// Replaces the records of the suites that ran and keeps the rest.
function writeResults(records, ran) {
  let previous = [];
  if (existsSync(RESULTS)) {
    try {
      const parsed = JSON.parse(readFileSync(RESULTS, 'utf8'));
      if (Array.isArray(parsed)) previous = parsed;
    } catch {
      console.warn('bench: bench/results/latest.json was not valid JSON; rewriting it');
    }
  }
  const merged = [...previous.filter((r) => !ran.includes(r.suite)), ...records];
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(merged, null, 2)}\n`);
  console.log(`\nwrote ${records.length} records to bench/results/latest.json (${merged.length} in total)`);
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exitCode = 1;
});
