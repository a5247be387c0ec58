/**
 * Cold start and first-token latency of the generation function: starts a fresh Node process
 * running server.js for every run (a cold start: new process, new WebAssembly instance, model read
 * from disk) and measures, from the spawn,
 *
 *   listen       the server accepts connections (Node started, modules loaded; the model is loading)
 *   cold start   the first GET is answered, which waits for the model: the instance can serve
 *   load         the model's own load time inside the process (read, F16 → f32, engine planned)
 *
 * then two streaming POSTs (greedy): the first request the new instance serves (its WebAssembly
 * still compiled by V8's baseline tier, its JavaScript cold) and a second, warm one; for each, the
 * time to the first token event and the prefill and decode speeds the engine reports, and for the
 * warm one the rate the client receives tokens at (tokens ÷ request-to-done wall time). Prints a
 * table with the medians and writes bench/results/serverless.json.
 *
 *   node examples/serverless/measure.js [--runs 5] [--model models/moby-diff] [--prompt "…"] [--max-tokens 64]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarizeRuns } from '../runs-table.js';

const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../bench/results/serverless.json', import.meta.url));
// The handler's default (not imported from it: importing handler.js would start loading the model here).
const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models/moby-diff', import.meta.url));

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    model: { type: 'string', default: process.env.DIFFATTN_MODEL ?? DEFAULT_MODEL_DIR },
    prompt: { type: 'string', default: 'Call me Ishmael. Some years ago' },
    'max-tokens': { type: 'string', default: '64' },
  },
});
const runs = Number(args.runs);
const maxTokens = Number(args['max-tokens']);
const model = resolve(args.model);

/** One cold start, then a first and a warm streaming generation. */
async function measureOnce() {
  const t0 = performance.now();
  const child = spawn(process.execPath, [SERVER, '0'], { env: { ...process.env, DIFFATTN_MODEL: model }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((done) => child.once('exit', done));
  try {
    const port = await listeningPort(child);
    const listenMs = performance.now() - t0;
    const infoResponse = await fetch(`http://127.0.0.1:${port}/`);
    const info = await infoResponse.json();
    if (!infoResponse.ok) throw new Error(`GET answered ${infoResponse.status}: ${info.error}`);
    const coldStartMs = performance.now() - t0;
    const cold = await generateStreaming(port);
    const warm = await generateStreaming(port);
    return {
      listenMs, coldStartMs, loadMs: info.loadMs, promptTokens: cold.timing.promptTokens, tokens: cold.tokens,
      firstTokenMs: cold.firstTokenMs, prefillTokensPerSec: cold.timing.prefillTokensPerSec, decodeTokensPerSec: cold.timing.decodeTokensPerSec,
      warmFirstTokenMs: warm.firstTokenMs, warmPrefillTokensPerSec: warm.timing.prefillTokensPerSec, warmDecodeTokensPerSec: warm.timing.decodeTokensPerSec,
      warmStreamedTokensPerSec: (1000 * warm.tokens) / warm.wallMs, info,
    };
  } finally {
    child.kill();
    await exited;
  }
}

/** One greedy streaming POST: the time to its first token event, the tokens and the engine's timing. @param {number} port */
async function generateStreaming(port) {
  const sent = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST', body: JSON.stringify({ prompt: args.prompt, maxTokens, temperature: 0, stream: true }),
  });
  if (!response.ok) throw new Error(`POST answered ${response.status}: ${(await response.json()).error}`);
  let firstTokenMs = NaN;
  for await (const { name, data } of serverSentEvents(response.body)) {
    if (name === 'token' && Number.isNaN(firstTokenMs)) firstTokenMs = performance.now() - sent;
    if (name === 'error') throw new Error(`generation failed: ${data.error}`);
    if (name === 'done') return { firstTokenMs, wallMs: performance.now() - sent, tokens: data.tokens.length, timing: data.timing };
  }
  throw new Error('the event stream ended without a done event');
}

/** The port server.js prints once it listens. @param {import('node:child_process').ChildProcess} child */
function listeningPort(child) {
  return new Promise((found, failed) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) found(Number(m[1]));
    });
    child.once('exit', (code) => failed(new Error(`server.js exited with code ${code} before listening`)));
  });
}

/** `{name, data}` for each event of a text/event-stream body. @param {ReadableStream<Uint8Array>} body */
async function* serverSentEvents(body) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (key) => block.split('\n').find((l) => l.startsWith(`${key}: `))?.slice(key.length + 2);
      yield { name: field('event'), data: JSON.parse(field('data') ?? 'null') };
    }
  }
}


/** @type {import('../runs-table.js').Column[]} */
const COLUMNS = [
  ['listen ms', 'listenMs', 0], ['cold start ms', 'coldStartMs', 0], ['load ms', 'loadMs', 0],
  ['first token ms', 'firstTokenMs', 1], ['prefill tok/s', 'prefillTokensPerSec', 0], ['decode tok/s', 'decodeTokensPerSec', 0],
  ['warm: first token ms', 'warmFirstTokenMs', 1], ['prefill tok/s', 'warmPrefillTokensPerSec', 0], ['decode tok/s', 'warmDecodeTokensPerSec', 0],
  ['streamed tok/s', 'warmStreamedTokensPerSec', 0],
];

async function main() {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected an integer ≥ 1, got ${args.runs}`);
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await measureOnce());
  const { medians, table } = summarizeRuns(results, COLUMNS);
  const { info } = results[0];
  console.log(`${info.model}: ${info.attention}, ${info.parameters.toLocaleString('en-US')} parameters (${info.dtypes.join(', ')}); ` +
    `prompt ${results[0].promptTokens} tokens, ${results[0].tokens} generated (greedy); Node ${process.version}, ${cpus()[0].model}`);
  console.log(table);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({
    date: new Date().toISOString(), node: process.version, cpu: cpus()[0].model, cores: cpus().length, loadavg: loadavg(),
    model: { dir: model, ...info }, prompt: args.prompt, maxTokens, runs: results.map(({ info: _, ...r }) => r), median: medians,
  }, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
}

main().catch((e) => {
  console.error(`measure.js: ${e.message}`);
  process.exit(1);
});
