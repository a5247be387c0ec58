/**
 * The serverless example (examples/serverless/handler.js), called in-process with standard Request
 * objects, as a platform calls it: its generations equal `generateOnEngine` on the same folder
 * (same sampling loop, same engine, so token for token), streaming delivers the same tokens, and
 * every kind of bad input gets its 4xx status with a one-line reason, never a 500.
 *
 * The handler runs the built package (`diffattn/engine` resolves to dist/ through the package's
 * self-reference), the expectations the TypeScript sources: `npm run build` first.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateOnEngine, type EngineGeneration } from '../../src/engine/generate.js';
import { EngineModel } from '../../src/engine/model/engine-model.js';
import { parameterCount } from '../../src/model/config.js';
import { loadModelFolder } from '../../src/model/folder-read.js';
import type { LoadedModel } from '../../src/model/folder.js';
import type { GenerateOptions } from '../../src/model/generate.js';
import { exampleModelDir } from './model.js';

interface Handler {
  fetch(request: Request): Promise<Response>;
  ready: Promise<unknown>;
}
interface HandlerModule {
  default: Handler;
  createHandler(options: { modelDir: string }): Handler;
  DEFAULT_LIMITS: { maxBodyBytes: number; maxPromptChars: number; maxStopStrings: number };
}
interface Sse {
  name: string;
  data: { token?: number; text: string; tokens?: number[]; finishReason?: string };
}

const modelDir = exampleModelDir();
let handlerModule: HandlerModule;
let folder: LoadedModel;
let engine: EngineModel;

beforeAll(async () => {
  // The deployed handler reads its folder from the environment when its module is first imported.
  process.env.DIFFATTN_MODEL = modelDir;
  const path = '../../examples/serverless/handler.js';
  handlerModule = await import(path) as HandlerModule;
  folder = loadModelFolder(modelDir);
  engine = await EngineModel.create(folder.config, { batch: 1, maxContext: folder.config.maxContext, training: false });
  engine.loadParams(folder.params);
});

const PROMPT = 'Call me Ishmael.';
const post = (body: unknown, h = handlerModule.default): Promise<Response> =>
  h.fetch(new Request('http://fn.test/', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) }));
const expected = (options: GenerateOptions): EngineGeneration => generateOnEngine(engine, folder.tokenizer, PROMPT, options);

async function events(response: Response): Promise<Sse[]> {
  return (await response.text()).split('\n\n').filter((b) => b.length > 0).map((block) => {
    const field = (k: string): string => block.split('\n').find((l) => l.startsWith(`${k}: `))!.slice(k.length + 2);
    return { name: field('event'), data: JSON.parse(field('data')) };
  });
}

describe('generation', () => {
  it('answers GET with the model it serves', async () => {
    const r = await handlerModule.default.fetch(new Request('http://fn.test/'));
    expect(r.status).toBe(200);
    const info = await r.json();
    expect(info).toMatchObject({ parameters: parameterCount(folder.config), maxContext: folder.config.maxContext, layout: folder.layout });
  });

  it('generates greedily exactly as generateOnEngine on the same folder', async () => {
    const r = await post({ prompt: PROMPT, maxTokens: 12, temperature: 0 });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await r.json();
    const want = expected({ maxTokens: 12, temperature: 0 });
    expect(body.tokens).toEqual(want.tokens);
    expect(body.text).toBe(want.text);
    expect(body.tokens).toHaveLength(12);
    expect(body.timing.promptTokens).toBe(folder.tokenizer!.encode(PROMPT).length);
  });

  it('samples with the seed, top-k and top-p it is given, as generateOnEngine does', async () => {
    const options = { maxTokens: 10, temperature: 1.2, topK: 20, topP: 0.9, seed: 42 };
    const body = await (await post({ prompt: PROMPT, ...options })).json();
    expect(body.tokens).toEqual(expected(options).tokens);
  });

  it('stops before a stop string', async () => {
    const want = expected({ maxTokens: 12, temperature: 0 });
    // A stop string taken from the greedy text itself: the text must end where it first occurs.
    const stop = want.text.slice(4, 6);
    const body = await (await post({ prompt: PROMPT, maxTokens: 12, temperature: 0, stop: [stop] })).json();
    expect(body.finishReason).toBe('stop');
    expect(body.text).toBe(want.text.slice(0, want.text.indexOf(stop)));
  });

  it('streams server-sent events: one per token, then the whole generation', async () => {
    const r = await post({ prompt: PROMPT, maxTokens: 9, temperature: 0, stream: true });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const all = await events(r);
    const want = expected({ maxTokens: 9, temperature: 0 });
    const tokens = all.filter((e) => e.name === 'token');
    expect(tokens.map((e) => e.data.token)).toEqual(want.tokens);
    expect(tokens.map((e) => e.data.text).join('')).toBe(want.text);
    expect(all.at(-1)).toEqual({ name: 'done', data: expect.objectContaining({ text: want.text, tokens: want.tokens, finishReason: 'length' }) });
  });

  it('serves concurrent streams one at a time on its one KV cache, each correct', async () => {
    const a = { prompt: PROMPT, maxTokens: 8, temperature: 0, stream: true };
    const b = { prompt: PROMPT, maxTokens: 8, temperature: 1, seed: 3, stream: true };
    // b waits for the engine until a's stream has been read to its end.
    const [ea, eb] = await Promise.all([post(a).then(events), post(b).then(events)]);
    expect(ea.at(-1)!.data.tokens).toEqual(expected({ maxTokens: 8, temperature: 0 }).tokens);
    expect(eb.at(-1)!.data.tokens).toEqual(expected({ maxTokens: 8, temperature: 1, seed: 3 }).tokens);
  });

  it('frees the engine when a client cancels a stream', async () => {
    const r = await post({ prompt: PROMPT, maxTokens: 30, temperature: 0, stream: true });
    const reader = r.body!.getReader();
    await reader.read();
    await reader.cancel();
    const body = await (await post({ prompt: PROMPT, maxTokens: 6, temperature: 0 })).json();
    expect(body.tokens).toEqual(expected({ maxTokens: 6, temperature: 0 }).tokens);
  });
});

describe('bad requests', () => {
  const context = (): number => folder.config.maxContext;
  const cases: [string, () => RequestInit, number, RegExp][] = [
    ['not JSON', () => ({ method: 'POST', body: '{"prompt": ' }), 400, /^body: not valid JSON/],
    ['not an object', () => ({ method: 'POST', body: '[1, 2]' }), 400, /^body: expected a JSON object/],
    ['no prompt', () => ({ method: 'POST', body: '{}' }), 400, /^prompt: required/],
    ['an empty prompt', () => ({ method: 'POST', body: '{"prompt": ""}' }), 400, /^prompt: expected a non-empty string/],
    ['an unknown field', () => ({ method: 'POST', body: '{"prompt": "a", "max_tokens": 3}' }), 400, /^unknown field "max_tokens"/],
    ['a fractional maxTokens', () => ({ method: 'POST', body: '{"prompt": "a", "maxTokens": 2.5}' }), 400, /^maxTokens: expected an integer ≥ 0, got 2\.5/],
    ['a negative temperature', () => ({ method: 'POST', body: '{"prompt": "a", "temperature": -1}' }), 400, /^temperature: expected a number ≥ 0/],
    ['topK 0', () => ({ method: 'POST', body: '{"prompt": "a", "topK": 0}' }), 400, /^topK: expected an integer ≥ 1/],
    ['topP 0', () => ({ method: 'POST', body: '{"prompt": "a", "topP": 0}' }), 400, /^topP: expected a number in \(0, 1\]/],
    ['repetitionPenalty 0', () => ({ method: 'POST', body: '{"prompt": "a", "repetitionPenalty": 0}' }), 400, /^repetitionPenalty: expected a number > 0/],
    ['a string seed', () => ({ method: 'POST', body: '{"prompt": "a", "seed": "7"}' }), 400, /^seed: expected an integer/],
    ['an empty stop string', () => ({ method: 'POST', body: '{"prompt": "a", "stop": [""]}' }), 400, /^stop: expected a list of at most 8 non-empty strings/],
    ['stream not a boolean', () => ({ method: 'POST', body: '{"prompt": "a", "stream": "yes"}' }), 400, /^stream: expected true or false/],
    // The byte tokenizer gives a prompt of 1 token for "a": at most maxContext − 1 new ones fit.
    ['maxTokens beyond the context', () => ({ method: 'POST', body: JSON.stringify({ prompt: 'a', maxTokens: context() }) }), 400,
      /^maxTokens: the prompt takes 1 of the \d+-token context, so at most \d+/],
    ['a prompt as long as the context', () => ({ method: 'POST', body: JSON.stringify({ prompt: 'a'.repeat(context()) }) }), 413,
      /^prompt: \d+ tokens, but this model's context is \d+ tokens/],
    ['a prompt over the character limit', () => ({ method: 'POST', body: JSON.stringify({ prompt: 'a'.repeat(handlerModule.DEFAULT_LIMITS.maxPromptChars + 1) }) }), 413,
      /^prompt: \d+ characters, more than the 8192/],
    ['a body over the byte limit', () => ({ method: 'POST', body: 'x'.repeat(handlerModule.DEFAULT_LIMITS.maxBodyBytes + 1) }), 413, /^body: more than 65536 bytes/],
    ['another method', () => ({ method: 'PUT', body: '{}' }), 405, /^method PUT not allowed/],
  ];

  it.each(cases)('%s', async (_, init, status, message) => {
    const r = await handlerModule.default.fetch(new Request('http://fn.test/', init()));
    expect(r.status).toBe(status);
    const { error } = await r.json();
    expect(error).toMatch(message);
    expect(error).not.toMatch(/\n/);
  });

  it('counts the prompt in tokens for the 413: the longest prompt that leaves room for one token is served', async () => {
    // The byte tokenizer: maxContext − 1 one-byte characters are maxContext − 1 tokens, so one more fits.
    const r = await post({ prompt: 'a'.repeat(context() - 1), maxTokens: 1, temperature: 0 });
    expect(r.status).toBe(200);
    expect((await r.json()).tokens).toHaveLength(1);
  });

  it('never answers arbitrary JSON with a 500', async () => {
    const field = fc.oneof(fc.jsonValue(), fc.integer({ min: -2, max: 4 }), fc.string({ maxLength: 3 }));
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ prompt: field, maxTokens: field, temperature: field, topK: field, topP: field, seed: field, stop: field, stream: field }, { requiredKeys: [] }),
    );
    await fc.assert(fc.asyncProperty(body, async (b) => {
      const r = await post(b);
      expect([200, 400, 413]).toContain(r.status);
      await r.body?.cancel();
    }));
  });

  it('answers 503, naming the cause, while the model cannot be loaded', async () => {
    const h = handlerModule.createHandler({ modelDir: `${modelDir}/does-not-exist` });
    const r = await h.fetch(new Request('http://fn.test/'));
    expect(r.status).toBe(503);
    expect((await r.json()).error).toMatch(/^model not available: cannot read .*does-not-exist.*config\.json/);
    expect((await post({ prompt: 'a' }, h)).status).toBe(503);
  });
});
