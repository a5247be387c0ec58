/**
 * Model folders from bytes (`parseModelFolder`) and over HTTP (`fetchModelFolder`): for every
 * flavour and tokenizer kind, fetching a folder gives what `loadModelFolder` reads from disk, asks
 * for no file the folder does not use, and names the URL in every error. The "server" is a fetch
 * stand-in over a saved folder (no network).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelData } from '../../src/model/folder.js';
import { fetchModelFolder } from '../../src/model/folder-fetch.js';
import { folderNames, parseModelFolder } from '../../src/model/folder-parse.js';
import { loadModelFolder } from '../../src/model/folder-read.js';
import { saveModelFolder, type SaveOptions } from '../../src/model/folder-write.js';
import { ByteTokenizer } from '../../src/model/tokenizer/bytes.js';
import { HfTokenizer } from '../../src/model/tokenizer/hf.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';
import { randomModel, subdir, tempDir } from './helpers.js';

const root = tempDir();
const BASE = 'https://models.test/m';
const small = { attention: 'diff_v1' as const, vocabSize: 9, dModel: 8, numLayers: 1, numHeads: 2, numKvHeads: 1, ffnHidden: 5 };
// A WordLevel tokenizer.json with 5 ids (fits vocabSize 9) and a tokenizer_config.json naming its eos.
const wordLevel = new HfTokenizer({
  added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
  model: { type: 'WordLevel', vocab: { '[UNK]': 0, the: 1, cat: 2, sat: 3, '</s>': 4 }, unk_token: '[UNK]' },
}, { eos_token: '</s>' });

const bytesModel = (): ModelData => randomModel({ ...small, vocabSize: 256 }, 4);

function saved(options: SaveOptions, m: ModelData = randomModel(small, 3)): string {
  const dir = subdir(root);
  saveModelFolder(dir, m, options);
  return dir;
}

/** A fetch over the files of `dir` at BASE (404 for the others), recording the file names asked for. */
function serve(dir: string): { fetch: typeof fetch; asked: string[] } {
  const asked: string[] = [];
  const fake = async (input: string | URL | Request): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    expect(url.startsWith(`${BASE}/`), url).toBe(true);
    const file = url.slice(BASE.length + 1);
    asked.push(file);
    const path = join(dir, file);
    return existsSync(path) ? new Response(readFileSync(path)) : new Response('no such file', { status: 404, statusText: 'Not Found' });
  };
  return { fetch: fake as typeof fetch, asked };
}

describe('fetchModelFolder', () => {
  const cases: [string, () => string, string[]][] = [
    ['diffattn, byte tokenizer', () => saved({ tokenizer: new ByteTokenizer(), dtype: 'F16' }, bytesModel()), ['config.json', 'model.safetensors']],
    ['diffattn, tokenizer.json', () => saved({ tokenizer: wordLevel }), ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']],
    ['official, no tokenizer', () => saved({ to: 'official', dtype: 'BF16' }), ['config.json', 'model.safetensors']],
    // A DiffLlama folder's tokenizer is whatever tokenizer.json is there, so it is asked for either way.
    ['diffllama, tokenizer.json', () => saved({ to: 'diffllama', tokenizer: wordLevel }), ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']],
    ['diffllama, no tokenizer', () => saved({ to: 'diffllama' }), ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']],
  ];

  it.each(cases)('%s: the same model as loadModelFolder, fetching only what is used', async (_, make, files) => {
    const dir = make();
    const server = serve(dir);
    const fetched = await fetchModelFolder(BASE, { fetch: server.fetch });
    const loaded = loadModelFolder(dir);
    expect(fetched.config).toEqual(loaded.config);
    expect(fetched.params).toEqual(loaded.params);
    expect(fetched.layout).toBe(loaded.layout);
    expect(fetched.dtypes).toEqual(loaded.dtypes);
    expect(fetched.tokenizer?.constructor).toBe(loaded.tokenizer?.constructor);
    if (loaded.tokenizer) {
      expect(fetched.tokenizer!.encode('the cat sat')).toEqual(loaded.tokenizer.encode('the cat sat'));
      expect(fetched.tokenizer!.eosId).toBe(loaded.tokenizer.eosId);
    }
    expect(server.asked.sort()).toEqual(files);
  });

  it('accepts the base URL with or without its trailing slash, as a string or a URL', async () => {
    const dir = saved({ tokenizer: new ByteTokenizer() }, bytesModel());
    for (const base of [BASE, `${BASE}/`, new URL(BASE)]) {
      expect((await fetchModelFolder(base, { fetch: serve(dir).fetch })).config).toEqual(loadModelFolder(dir).config);
    }
  });

  it('names the URL and the HTTP status of a file the folder needs', async () => {
    const noWeights = saved({});
    rmSync(join(noWeights, 'model.safetensors'));
    await expect(fetchModelFolder(BASE, { fetch: serve(noWeights).fetch })).rejects.toMatchObject({
      code: 'missing', message: `cannot fetch ${BASE}/model.safetensors: HTTP 404 Not Found`,
    });
    const namesTokenizer = saved({});
    const c = JSON.parse(readFileSync(join(namesTokenizer, 'config.json'), 'utf8'));
    writeFileSync(join(namesTokenizer, 'config.json'), JSON.stringify({ ...c, tokenizer: 'tokenizer.json' }));
    await expect(fetchModelFolder(BASE, { fetch: serve(namesTokenizer).fetch })).rejects.toMatchObject({
      code: 'missing', message: `cannot fetch ${BASE}/tokenizer.json: HTTP 404 Not Found`,
    });
  });

  it('names URLs in the errors of the files themselves', async () => {
    const dir = saved({});
    writeFileSync(join(dir, 'config.json'), '{"format": ');
    await expect(fetchModelFolder(BASE, { fetch: serve(dir).fetch })).rejects.toMatchObject({ code: 'format', message: expect.stringMatching(`^${BASE}/config.json: not valid JSON`) });
    const truncated = saved({});
    writeFileSync(join(truncated, 'model.safetensors'), readFileSync(join(truncated, 'model.safetensors')).subarray(0, 40));
    await expect(fetchModelFolder(BASE, { fetch: serve(truncated).fetch })).rejects.toMatchObject({ code: 'format', message: expect.stringContaining(`${BASE}/model.safetensors: `) });
  });

  it('refuses a relative URL where there is no page to resolve it against', async () => {
    await expect(fetchModelFolder('models/moby-diff')).rejects.toMatchObject({ code: 'value', message: expect.stringMatching(/not an absolute URL.*loadModelFolder/) });
  });

  it('turns a network failure into a missing-file error, and lets an abort through', async () => {
    const down = (async () => { throw new TypeError('fetch failed'); }) as typeof fetch;
    await expect(fetchModelFolder(BASE, { fetch: down })).rejects.toMatchObject({ code: 'missing', message: expect.stringContaining('fetch failed') });
    const aborted = AbortSignal.abort();
    const dir = saved({});
    const honouring = (async (url: string, init?: RequestInit) => {
      init?.signal?.throwIfAborted();
      return serve(dir).fetch(url);
    }) as typeof fetch;
    await expect(fetchModelFolder(BASE, { fetch: honouring, signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('parseModelFolder', () => {
  it('parses files already in memory, naming them as told', () => {
    const dir = saved({ tokenizer: wordLevel });
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    const files = { config: JSON.parse(read('config.json')), weights: readFileSync(join(dir, 'model.safetensors')) };
    const parsed = parseModelFolder({ ...files, tokenizer: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') });
    expect(parsed.params).toEqual(loadModelFolder(dir).params);
    expect(parsed.tokenizer!.eosId).toBe(4);
    // config.json names tokenizer.json; without its text the folder is incomplete.
    expectDiffAttnError(() => parseModelFolder(files, folderNames('bundle://moby')), 'missing', /^bundle:\/\/moby\/tokenizer\.json is missing \(config\.json names tokenizer\.json\)$/);
  });
});
