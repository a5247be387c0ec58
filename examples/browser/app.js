/**
 * The browser example: loads the WebAssembly engine and a model folder over HTTP, then streams
 * generations into the page with their prefill and decode speeds.
 *
 * Query parameters: `model` (the folder's URL, default the bundled ../../models/moby-diff/) and
 * `wasm` (the .wasm's URL, default the build/diffattn.wasm shipped beside the package, found from
 * the engine module's own URL). For the scripts that drive it (test/examples/browser.test.ts,
 * measure.js) the page keeps its state in `<body data-state>` (loading, ready, generating, done,
 * error), its load time in `data-load-ms` (of which the modules: `data-modules-ms`), the generated
 * ids in `#output[data-tokens]` and the last generation's timing as JSON in `#stats[data-timing]`.
 */
import { EngineModel, fetchModelFolder, loadWasm, parameterCount, requireSimd, streamOnEngine } from '../../dist/src/browser.js';

// This module's body runs once every module it imports has been fetched and evaluated.
const modulesMs = performance.now();
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const modelUrl = new URL(params.get('model') ?? '../../models/moby-diff/', location.href);
const wasmUrl = params.get('wasm');

function setState(state, message, kind = 'info') {
  document.body.dataset.state = state;
  if (message !== undefined) {
    $('status').textContent = message;
    $('status').dataset.kind = kind;
  }
}

async function load() {
  // Before downloading anything: without WebAssembly SIMD the engine cannot run at all.
  requireSimd();
  const [wasm, folder] = await Promise.all([
    loadWasm(wasmUrl === null ? {} : { wasmUrl: new URL(wasmUrl, location.href) }),
    fetchModelFolder(modelUrl),
  ]);
  if (!folder.tokenizer) throw new Error(`${modelUrl.href}: the model has no tokenizer, and this page takes text prompts`);
  const { config } = folder;
  const model = await EngineModel.create(config, { batch: 1, maxContext: config.maxContext, training: false }, { wasm });
  model.loadParams(folder.params);
  const name = modelUrl.pathname.split('/').filter(Boolean).at(-1);
  // performance.now() counts from the navigation: page, modules, engine and model together.
  const loadMs = Math.round(performance.now());
  Object.assign(document.body.dataset, { loadMs, modulesMs: Math.round(modulesMs) });
  setState('ready', `${name}: ${config.attention}, ${parameterCount(config).toLocaleString('en-US')} parameters, ` +
    `context ${config.maxContext} tokens; ready ${loadMs} ms after the page was opened.`);
  return { model, tokenizer: folder.tokenizer };
}

async function generate({ model, tokenizer }, signal) {
  const prompt = $('prompt').value;
  const options = {
    maxTokens: Number($('max-tokens').value), temperature: Number($('temperature').value), seed: Number($('seed').value), signal,
  };
  const output = $('output');
  output.replaceChildren(Object.assign(document.createElement('span'), { className: 'prompt', textContent: prompt }));
  const generated = output.appendChild(document.createTextNode(''));
  const tokens = [];
  output.dataset.tokens = '';
  $('stats').textContent = '';
  setState('generating', 'Generating…');
  const t0 = performance.now();
  let firstTokenMs = null;
  const steps = streamOnEngine(model, tokenizer, prompt, options);
  for (;;) {
    const step = await steps.next();
    if (step.done) {
      const g = step.value;
      const t = g.timing;
      $('stats').textContent = `${g.tokens.length} tokens (${g.finishReason}) · prefill ${t.promptTokens} tokens at ` +
        `${t.prefillTokensPerSec.toFixed(0)} tokens/s · decode ${t.decodeTokensPerSec.toFixed(1)} tokens/s`;
      $('stats').dataset.timing = JSON.stringify({ ...t, tokens: g.tokens.length, firstTokenMs, wallMs: performance.now() - t0 });
      setState('done', 'Done.');
      return;
    }
    firstTokenMs ??= performance.now() - t0;
    if (step.value.token !== null) tokens.push(step.value.token);
    generated.appendData(step.value.text);
    output.dataset.tokens = tokens.join(',');
  }
}

async function main() {
  let ready;
  try {
    ready = await load();
  } catch (e) {
    setState('error', e.message, 'error');
    return;
  }
  let running = null;
  $('generate').disabled = false;
  $('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (running) return;
    running = new AbortController();
    $('generate').disabled = true;
    $('stop').disabled = false;
    try {
      await generate(ready, running.signal);
    } catch (e) {
      // Bad settings (a prompt plus max tokens beyond the context, …) are DiffAttnErrors naming the problem.
      setState('error', e.message, 'error');
    } finally {
      running = null;
      $('generate').disabled = false;
      $('stop').disabled = true;
    }
  });
  $('stop').addEventListener('click', () => running?.abort());
}

main();
