/**
 * Speed of the browser example in headless Chromium: each run opens a fresh page (a new
 * WebAssembly instance; the model downloaded again, as serve.js sends `no-cache` and no validators,
 * and parsed again) and runs two greedy generations, the page's first and a warm one, reporting
 *
 *   load          navigation start → the page is ready (modules, engine compiled, model fetched, parsed, loaded)
 *   modules       navigation start → the page's modules fetched and evaluated (about 100, unbundled)
 *   first token   Generate → the first token on the page (prefill included)
 *   prefill, decode tokens/s as the engine timed them
 *   on the page   warm generation: tokens ÷ the wall time from Generate to done, what a reader sees
 *
 * Prints a table with the medians and writes bench/results/browser.json.
 *
 *   node examples/browser/measure.js [--runs 3] [--model models/moby-diff] [--prompt "…"] [--max-tokens 64]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarizeRuns } from '../runs-table.js';
import { CHROMIUM, launchChromium } from './chromium.js';
import { startServer } from './serve.js';

const RESULTS = fileURLToPath(new URL('../../bench/results/browser.json', import.meta.url));
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    model: { type: 'string', default: fileURLToPath(new URL('../../models/moby-diff', import.meta.url)) },
    prompt: { type: 'string', default: 'Call me Ishmael. Some years ago' },
    'max-tokens': { type: 'string', default: '64' },
  },
});

/** @type {import('../runs-table.js').Column[]} */
const COLUMNS = [
  ['load ms', 'loadMs', 0], ['of which modules ms', 'modulesMs', 0], ['first token ms', 'firstTokenMs', 1], ['prefill tok/s', 'prefillTokensPerSec', 0], ['decode tok/s', 'decodeTokensPerSec', 0],
  ['warm: first token ms', 'warmFirstTokenMs', 1], ['prefill tok/s', 'warmPrefillTokensPerSec', 0], ['decode tok/s', 'warmDecodeTokensPerSec', 0],
  ['on the page tok/s', 'warmWallTokensPerSec', 0],
];

/** One greedy generation on the page: its timing (#stats[data-timing]). @param {import('playwright-core').Page} page */
async function generate(page) {
  await page.fill('#prompt', args.prompt);
  await page.fill('#max-tokens', args['max-tokens']);
  await page.fill('#temperature', '0');
  await page.click('#generate');
  await page.waitForSelector('body[data-state=done], body[data-state=error]');
  if (await page.getAttribute('body', 'data-state') === 'error') throw new Error(`generation failed: ${await page.textContent('#status')}`);
  return JSON.parse(/** @type {string} */ (await page.getAttribute('#stats', 'data-timing')));
}

async function main() {
  const runs = Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected an integer ≥ 1, got ${args.runs}`);
  const server = await startServer({ mounts: { '/measure-model/': resolve(args.model) } });
  const browser = await launchChromium();
  const results = [];
  try {
    for (let i = 0; i < runs; i++) {
      const page = await browser.context.newPage();
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await page.goto(`${server.url}/examples/browser/?model=/measure-model/`);
      await page.waitForSelector('body[data-state=ready], body[data-state=error]');
      if (await page.getAttribute('body', 'data-state') === 'error') throw new Error(`the page failed: ${await page.textContent('#status')}`);
      const loadMs = Number(await page.getAttribute('body', 'data-load-ms'));
      const modulesMs = Number(await page.getAttribute('body', 'data-modules-ms'));
      const first = await generate(page);
      const warm = await generate(page);
      results.push({
        loadMs, modulesMs, ...first, warmFirstTokenMs: warm.firstTokenMs, warmPrefillTokensPerSec: warm.prefillTokensPerSec, warmDecodeTokensPerSec: warm.decodeTokensPerSec,
        warmWallTokensPerSec: (1000 * warm.tokens) / warm.wallMs,
      });
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const { medians, table } = summarizeRuns(results, COLUMNS);
  const version = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  console.log(`${basename(resolve(args.model))} in ${version}: prompt ${results[0].promptTokens} tokens, ` +
    `${results[0].tokens} generated (greedy); ${cpus()[0].model}`);
  console.log(table);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({
    date: new Date().toISOString(), browser: version, cpu: cpus()[0].model, cores: cpus().length, loadavg: loadavg(), model: resolve(args.model),
    prompt: args.prompt, maxTokens: Number(args['max-tokens']), runs: results, median: medians,
  }, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
}

main().catch((e) => {
  console.error(`measure.js: ${e.message}`);
  process.exit(1);
});
