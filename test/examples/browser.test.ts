/**
 * The package in a browser, with no bundler: the entry `diffattn/browser` reaches no `node:`
 * module, the example's static server serves the right types and nothing outside its folder, and
 * Debian's Chromium (headless, driven by playwright-core) loads examples/browser/, generates, and
 * produces exactly the greedy tokens the same model gives in Node (same engine code and .wasm, so
 * the same float32 arithmetic: equal ids, not merely close ones).
 *
 * Chromium is required in CI: .ci/run installs it and sets CI, and there a missing /usr/bin/chromium
 * fails the tests with how to install it (examples/browser/chromium.js launches it). Outside CI a
 * machine without Chromium skips the Chromium block with a note, so `npm test` works on a fresh
 * checkout; `DIFFATTN_SKIP_BROWSER=1` skips it explicitly anywhere.
 * The page runs the built package (dist/): `npm run build` first.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateOnEngine } from '../../src/engine/generate.js';
import { EngineModel } from '../../src/engine/model/engine-model.js';
import { parameterCount } from '../../src/model/config.js';
import { loadModelFolder } from '../../src/model/folder-read.js';
import { BUNDLED_MODEL_DIR, exampleModelDir } from './model.js';

interface Served {
  url: string;
  close(): Promise<void>;
}
interface ServeModule {
  REPO_ROOT: string;
  startServer(options?: { root?: string; mounts?: Record<string, string> }): Promise<Served>;
}
interface ChromiumModule {
  launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }>;
}

const ROOT = resolve(import.meta.dirname, '../..');

// The examples are plain JS: imported through a variable so the type-checker takes these shapes.
const serveModule = async (): Promise<ServeModule> => {
  const path = '../../examples/browser/serve.js';
  return await import(path) as ServeModule;
};
const chromiumModule = async (): Promise<ChromiumModule> => {
  const path = '../../examples/browser/chromium.js';
  return await import(path) as ChromiumModule;
};

/** GET (or `method`) with the path sent exactly as written: fetch would normalise `..` away. */
function rawRequest(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((done, failed) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', failed);
    req.end();
  });
}

describe('the browser entry', () => {
  // Static imports of a TypeScript source (import/export … from '…', and side-effect imports).
  const importsOf = (file: string): string[] => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*'([^']+)'|^\s*import\s*'([^']+)'/gm)].map((m) => m[1] ?? m[2]);
  };

  it('reaches no node: module, and maps every bare specifier it reaches in the page', () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^node:|^(fs|path|url|os|http|crypto|child_process)(\/|$)/);
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else bare.add(spec);
      }
    };
    visit(join(ROOT, 'src/browser.ts'));
    // Sanity: the walk went through the engine and the model folder parser.
    expect([...seen].map((f) => f.slice(ROOT.length + 1))).toEqual(expect.arrayContaining([
      'src/engine/model/engine-model.ts', 'src/engine/wasm.ts', 'src/model/folder-parse.ts', 'src/model/tokenizer/hf.ts',
    ]));
    const html = readFileSync(join(ROOT, 'examples/browser/index.html'), 'utf8');
    const importMap = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(html)![1]) as { imports: Record<string, string> };
    expect(Object.keys(importMap.imports).sort()).toEqual([...bare].sort());
    for (const target of Object.values(importMap.imports)) expect(existsSync(resolve(ROOT, 'examples/browser', target)), target).toBe(true);
  });
});

describe('the static server', () => {
  let served: Served;
  let outside: string;
  beforeAll(async () => {
    // A root with a symlink pointing out of it, and a folder mounted under a prefix.
    outside = mkdtempSync(join(tmpdir(), 'diffattn-serve-'));
    mkdirSync(join(outside, 'root'));
    mkdirSync(join(outside, 'secret'));
    mkdirSync(join(outside, 'mounted'));
    writeFileSync(join(outside, 'secret', 'key.txt'), 'secret');
    writeFileSync(join(outside, 'mounted', 'config.json'), '{"mounted": true}');
    writeFileSync(join(outside, 'root', 'page.html'), '<p>hi</p>');
    symlinkSync(join(outside, 'secret'), join(outside, 'root', 'link'));
    served = await (await serveModule()).startServer({ mounts: { '/test-model/': join(outside, 'mounted') } });
  });
  afterAll(async () => {
    await served?.close();
    rmSync(outside, { recursive: true, force: true });
  });

  it('serves the page, the modules and the .wasm with their MIME types', async () => {
    const cases: [string, RegExp][] = [
      ['/examples/browser/', /^text\/html/], ['/examples/browser/app.js', /^text\/javascript/],
      ['/dist/src/browser.js', /^text\/javascript/], ['/build/diffattn.wasm', /^application\/wasm$/],
    ];
    for (const [path, type] of cases) {
      const r = await fetch(served.url + path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toMatch(type);
    }
    const wasm = await fetch(`${served.url}/build/diffattn.wasm`);
    expect(Number(wasm.headers.get('content-length'))).toBe(statSync(join(ROOT, 'build/diffattn.wasm')).size);
    expect(await (await fetch(`${served.url}/test-model/config.json`)).json()).toEqual({ mounted: true });
  });

  it('redirects a folder to its slash form, so relative URLs in its page resolve', async () => {
    const r = await rawRequest(served.url, '/examples/browser');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/examples/browser/');
  });

  it.each([
    ['/../package.json', 403], ['/examples/%2e%2e/%2e%2e/etc/passwd', 403], ['/examples/..%2f..%2fetc%2fpasswd', 403],
    ['/%2e%2e%5cpackage.json', 403], ['/test-model/../../secret', 403], ['/.git/config', 404], ['/node_modules/.bin/vitest', 404],
    ['/%zz', 400], ['/no-such-file.js', 404],
  ])('refuses %s with %i', async (path, status) => {
    expect((await rawRequest(served.url, path)).status).toBe(status);
  });

  it('is read-only and follows no symlink out of its folder', async () => {
    expect((await rawRequest(served.url, '/package.json', 'POST')).status).toBe(405);
    expect((await rawRequest(served.url, '/package.json', 'PUT')).status).toBe(405);
    const other = await (await serveModule()).startServer({ root: join(outside, 'root') });
    try {
      expect((await rawRequest(other.url, '/page.html')).status).toBe(200);
      const r = await rawRequest(other.url, '/link/key.txt');
      expect(r.status).toBe(403);
      expect(r.body).not.toMatch(/secret/);
    } finally {
      await other.close();
    }
  });
});

const modelDir = exampleModelDir();

const noChromiumHere = !process.env.CI && !existsSync('/usr/bin/chromium');
if (noChromiumHere) console.warn('test/examples/browser.test.ts: /usr/bin/chromium is missing, so the Chromium tests are skipped (CI installs it; locally: apt-get install -y chromium)');

describe.skipIf(process.env.DIFFATTN_SKIP_BROWSER === '1' || noChromiumHere)('in Chromium', () => {
  let served: Served;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let context: BrowserContext;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Fails, saying how to install it, when /usr/bin/chromium is missing (examples/browser/chromium.js).
    browser = await (await chromiumModule()).launchChromium();
    context = browser.context;
    // The bundled model is served where the page looks by default; a temporary one is mounted.
    served = await (await serveModule()).startServer(modelDir === BUNDLED_MODEL_DIR ? {} : { mounts: { '/test-model/': modelDir } });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });
  afterEach(() => {
    expect(pageErrors, 'errors in the page').toEqual([]);
    pageErrors.length = 0;
  });

  const pageUrl = (): string => `${served.url}/examples/browser/${modelDir === BUNDLED_MODEL_DIR ? '' : '?model=/test-model/'}`;

  async function openPage(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // The engine looks for its .wasm at two paths (source tree, then dist/), so from dist/ the
      // first is a 404 the browser reports; any other console error is the page's fault.
      if (m.type() === 'error' && !m.location().url.endsWith('/dist/build/diffattn.wasm')) pageErrors.push(`console: ${m.text()} (${m.location().url})`);
    });
    await page.goto(pageUrl());
    await page.waitForSelector('body[data-state=ready], body[data-state=error]');
    return page;
  }

  async function run(page: Page, prompt: string, maxTokens: number): Promise<void> {
    await page.fill('#prompt', prompt);
    await page.fill('#max-tokens', String(maxTokens));
    await page.fill('#temperature', '0');
    await page.click('#generate');
    await page.waitForSelector('body[data-state=done], body[data-state=error]');
  }

  it('loads the engine and the model and generates exactly the greedy tokens of Node', async () => {
    const N = 24;
    const prompt = 'Call me Ishmael.';
    const folder = loadModelFolder(modelDir);
    const engine = await EngineModel.create(folder.config, { batch: 1, maxContext: folder.config.maxContext, training: false });
    engine.loadParams(folder.params);
    const want = generateOnEngine(engine, folder.tokenizer, prompt, { maxTokens: N, temperature: 0 });

    const page = await openPage();
    expect(await page.textContent('#status')).toContain(`${parameterCount(folder.config).toLocaleString('en-US')} parameters`);
    await run(page, prompt, N);
    expect(await page.getAttribute('body', 'data-state'), (await page.textContent('#status'))!).toBe('done');
    const ids = (await page.getAttribute('#output', 'data-tokens'))!.split(',').map(Number);
    expect(ids).toHaveLength(N);
    expect(ids).toEqual(want.tokens);
    expect(await page.textContent('#output')).toBe(prompt + want.text);
    expect(await page.textContent('#stats')).toMatch(new RegExp(`^${N} tokens \\(length\\) · prefill ${want.timing.promptTokens} tokens at \\d+ tokens/s · decode [\\d.]+ tokens/s$`));
    await page.close();
  });

  it('shows the library\'s message when a prompt and max tokens do not fit the context', async () => {
    const page = await openPage();
    const maxContext = loadModelFolder(modelDir).config.maxContext;
    await run(page, 'a', maxContext);
    expect(await page.getAttribute('body', 'data-state')).toBe('error');
    expect(await page.textContent('#status')).toMatch(new RegExp(`more than maxContext ${maxContext}`));
    await page.close();
  });

  it('says WebAssembly SIMD is missing, before downloading anything, where the browser has none', async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    // A browser without SIMD rejects the engine's probe module at validation; so does this stand-in.
    await page.addInitScript(() => {
      WebAssembly.validate = () => false;
    });
    await page.goto(pageUrl());
    await page.waitForSelector('body[data-state=error]');
    expect(await page.textContent('#status')).toMatch(/WebAssembly SIMD \(128-bit fixed-width SIMD\) is not supported by this runtime; it needs .*Chrome/);
    expect(requested.filter((p) => p.endsWith('.wasm') || p.endsWith('.safetensors'))).toEqual([]);
    expect(await page.isDisabled('#generate')).toBe(true);
    await page.close();
  });
});
