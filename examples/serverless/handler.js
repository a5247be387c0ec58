/**
 * A serverless text-generation function over a diffattn model folder: a standard
 * `fetch(Request) → Response` handler (`export default { fetch }`, the shape Cloudflare Workers,
 * Deno, Bun and Vercel functions take; server.js runs it in Node's http). The model is loaded once
 * per cold start, by a promise at module scope, and reused by every request that instance serves.
 *
 *   GET              → {"model", "parameters", "maxContext", "loadMs", …}   health and info (waits for the model)
 *   POST {"prompt", "maxTokens"?, "temperature"?, "topK"?, "topP"?, "repetitionPenalty"?, "seed"?, "stop"?}
 *                    → {"text", "tokens", "finishReason", "timing"}
 *   POST {…, "stream": true} → text/event-stream: `token` events {token, text}, then one `done` event
 *
 * Bad input is a 400 (413 for a body or prompt too long) with {"error": "<one line>"}; 503 while the
 * model cannot be loaded; a 500 only for a bug. The model folder is DIFFATTN_MODEL, default the
 * bundled models/moby-diff. See README.md beside this file.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiffAttnError } from 'diffattn';
import { EngineModel, generateOnEngine, streamOnEngine } from 'diffattn/engine';
import { loadModelFolder, parameterCount } from 'diffattn/model';
import { HttpError, oneLine, readGenerateRequest } from './body.js';

/** The bundled model, found from this file so the function runs from any working directory. */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models/moby-diff', import.meta.url));

/** @type {import('./body.js').BodyLimits} */
export const DEFAULT_LIMITS = { maxBodyBytes: 64 * 1024, maxPromptChars: 8192, maxStopStrings: 8 };

/**
 * A handler serving the model folder `modelDir`, which it starts loading at once.
 * @param {{ modelDir: string, limits?: Partial<import('./body.js').BodyLimits> }} options
 * @returns {{ fetch(request: Request): Promise<Response>, ready: Promise<unknown> }}
 */
export function createHandler({ modelDir, limits = {} }) {
  const bodyLimits = { ...DEFAULT_LIMITS, ...limits };
  const ready = loadModel(modelDir);
  // A failed load is answered to each request (503), not left as an unhandled rejection.
  ready.catch(() => {});
  const acquire = lock();

  /** @param {Request} request */
  async function handle(request) {
    if (request.method === 'GET' || request.method === 'HEAD') return json(200, info(await model()));
    if (request.method !== 'POST') throw new HttpError(405, `method ${request.method} not allowed: GET for info, POST to generate`);
    const body = await readGenerateRequest(request, bodyLimits);
    const m = await model();
    const promptIds = m.tokenizer.encode(body.prompt);
    const context = m.engine.limits.maxContext;
    if (promptIds.length >= context) {
      throw new HttpError(413, `prompt: ${promptIds.length} tokens, but this model's context is ${context} tokens (including the generated ones)`);
    }
    if (promptIds.length + body.maxTokens > context) {
      throw new HttpError(400, `maxTokens: the prompt takes ${promptIds.length} of the ${context}-token context, so at most ${context - promptIds.length}, got ${body.maxTokens}`);
    }
    const { stream, prompt: _, ...options } = body;
    // One engine, one KV cache: generations take turns (a streaming one holds it until it ends).
    const release = await acquire();
    if (!stream) {
      try {
        const g = generateOnEngine(m.engine, m.tokenizer, promptIds, options);
        return json(200, { text: g.text, tokens: g.tokens, finishReason: g.finishReason, timing: g.timing });
      } finally {
        release();
      }
    }
    return streamResponse(streamOnEngine(m.engine, m.tokenizer, promptIds, { ...options, signal: request.signal }), release);
  }

  async function model() {
    try {
      return await ready;
    } catch (e) {
      throw new HttpError(503, `model not available: ${oneLine(/** @type {Error} */ (e).message)}`);
    }
  }

  return {
    ready,
    /** @param {Request} request */
    async fetch(request) {
      try {
        return await handle(request);
      } catch (e) {
        return errorResponse(e);
      }
    },
  };
}

/** The deployed function: DIFFATTN_MODEL or the bundled model, loading from the cold start on. */
export default createHandler({ modelDir: process.env.DIFFATTN_MODEL ?? DEFAULT_MODEL_DIR });

/** @param {string} dir */
async function loadModel(dir) {
  const t0 = performance.now();
  const folder = loadModelFolder(dir);
  if (!folder.tokenizer) throw new DiffAttnError('missing', `${dir}: the model folder has no tokenizer, and this function takes text prompts`);
  const engine = await EngineModel.create(folder.config, { batch: 1, maxContext: folder.config.maxContext, training: false });
  engine.loadParams(folder.params);
  return { dir, folder, engine, tokenizer: folder.tokenizer, loadMs: performance.now() - t0 };
}

/** @param {Awaited<ReturnType<typeof loadModel>>} m */
function info(m) {
  const c = m.folder.config;
  return {
    model: basename(m.dir), layout: m.folder.layout, attention: c.attention, parameters: parameterCount(c),
    layers: c.numLayers, dModel: c.dModel, vocabSize: c.vocabSize, maxContext: c.maxContext,
    dtypes: [...m.folder.dtypes], loadMs: Math.round(m.loadMs),
  };
}

/**
 * Server-sent events from a running generation. The first step runs before the response is made,
 * so a generation that fails at once is still a plain error status; the engine is released when
 * the stream ends or the client goes away.
 * @param {AsyncGenerator<{ token: number | null, text: string }, any>} steps @param {() => void} release
 */
async function streamResponse(steps, release) {
  let first;
  try {
    first = await steps.next();
  } catch (e) {
    release();
    throw e;
  }
  const encoder = new TextEncoder();
  const event = (name, data) => encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  let pending = first;
  let finished = false;
  let inFlight = Promise.resolve();
  /** @param {ReadableStreamDefaultController<Uint8Array>} controller */
  const pullOnce = async (controller) => {
    let step;
    try {
      step = pending ?? await steps.next();
    } catch (e) {
      step = { error: /** @type {Error} */ (e) };
    }
    pending = undefined;
    if (finished) return;
    if ('error' in step) {
      controller.enqueue(event('error', { error: oneLine(step.error.message) }));
    } else if (!step.done) {
      controller.enqueue(event('token', step.value));
      return;
    } else {
      const g = step.value;
      controller.enqueue(event('done', { text: g.text, tokens: g.tokens, finishReason: g.finishReason, timing: g.timing }));
    }
    controller.close();
    finished = true;
    release();
  };
  const body = new ReadableStream({
    pull(controller) {
      inFlight = pullOnce(controller);
      return inFlight;
    },
    // A step already running finishes (and touches the KV cache) before the next generation may start.
    async cancel() {
      finished = true;
      await inFlight;
      release();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' } });
}

/** A FIFO lock: `await acquire()` resolves to the release function once every earlier holder released. */
function lock() {
  let tail = Promise.resolve();
  return () => {
    /** @type {() => void} */
    let release = () => {};
    const released = new Promise((resolve) => { release = () => resolve(undefined); });
    const acquired = tail.then(() => release);
    tail = released;
    return acquired;
  };
}

/** @param {unknown} e */
function errorResponse(e) {
  if (e instanceof HttpError) return json(e.status, { error: e.message }, e.status === 405 ? { allow: 'GET, HEAD, POST' } : {});
  // The library throws DiffAttnError for arguments it refuses (what got past body.js): the request's fault.
  if (e instanceof DiffAttnError) return json(400, { error: oneLine(e.message) });
  console.error(e);
  return json(500, { error: 'internal error' });
}

/** @param {number} status @param {unknown} data @param {Record<string, string>} [headers] */
function json(status, data, headers = {}) {
  return new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}
