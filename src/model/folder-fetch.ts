/**
 * `fetchModelFolder`: a model folder served over HTTP (a static host, a CDN, the page's own
 * server) → the same `LoadedModel` as `loadModelFolder`, with `fetch` only, so it runs in browsers,
 * workers and serverless runtimes as well as Node ≥ 18. config.json and model.safetensors are
 * fetched together; tokenizer.json (and tokenizer_config.json) only when the folder uses it.
 */
import { DiffAttnError } from '../errors.js';
import { CONFIG_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE, type LoadedModel } from './folder.js';
import { parseConfigText, parseModelFolder, tokenizerFileNeed, type ModelFolderFiles } from './folder-parse.js';

export interface FetchFolderOptions {
  /** Cancels the downloads. */
  signal?: AbortSignal;
  /** The fetch to use (default the global one): add headers, caching, a test double. */
  fetch?: typeof fetch;
}

/**
 * Fetches and parses the model folder at `baseUrl` (a trailing slash is implied). A relative URL
 * is resolved against the page in a browser; Node's fetch needs an absolute http(s) URL (for a
 * directory on disk use `loadModelFolder`). Throws 'missing' naming the URL and the HTTP status
 * when a file the folder needs cannot be fetched, and every error `parseModelFolder` throws.
 */
export async function fetchModelFolder(baseUrl: string | URL, options: FetchFolderOptions = {}): Promise<LoadedModel> {
  const base = folderUrl(baseUrl);
  const url = (file: string): string => new URL(file, base).href;
  const get = fetcher(options);
  const [configText, weights] = await Promise.all([
    get(url(CONFIG_FILE), 'text', true),
    get(url(WEIGHTS_FILE), 'bytes', true),
  ]);
  const config = parseConfigText(configText!, url(CONFIG_FILE));
  const files: ModelFolderFiles = { config, weights: weights! };
  const need = tokenizerFileNeed(config, url(CONFIG_FILE));
  if (need !== 'unused') {
    const [tokenizer, tokenizerConfig] = await Promise.all([
      get(url(TOKENIZER_FILE), 'text', need === 'required'),
      get(url(TOKENIZER_CONFIG_FILE), 'text', false),
    ]);
    files.tokenizer = tokenizer;
    if (tokenizer !== undefined) files.tokenizerConfig = tokenizerConfig;
  }
  return parseModelFolder(files, { dir: base.href, path: url });
}

function folderUrl(baseUrl: string | URL): URL {
  const href = String(baseUrl);
  const withSlash = href.endsWith('/') ? href : `${href}/`;
  const page = (globalThis as { location?: { href: string } }).location?.href;
  try {
    return new URL(withSlash, page);
  } catch {
    throw new DiffAttnError('value', `fetchModelFolder: baseUrl ${JSON.stringify(href)} is not an absolute URL (in Node, use loadModelFolder for a directory)`);
  }
}

type Body<K> = K extends 'text' ? string : Uint8Array;

// A GET returning the body, or undefined on a 404 of an optional file; anything else that is not a
// 2xx fails with the URL and the status.
function fetcher(options: FetchFolderOptions) {
  const doFetch = options.fetch ?? globalThis.fetch;
  return async <K extends 'text' | 'bytes'>(href: string, kind: K, required: boolean): Promise<Body<K> | undefined> => {
    let response: Response;
    try {
      response = await doFetch(href, { signal: options.signal });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new DiffAttnError('missing', `cannot fetch ${href}: ${(e as Error).message}`);
    }
    if (response.status === 404 && !required) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      throw new DiffAttnError('missing', `cannot fetch ${href}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    return (kind === 'text' ? await response.text() : new Uint8Array(await response.arrayBuffer())) as Body<K>;
  };
}
