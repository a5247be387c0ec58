/**
 * A tiny static file server for the browser example: the repository root, read-only, on
 * 127.0.0.1, with the MIME types a page needs (`application/wasm` lets the browser compile the
 * engine while it downloads; `text/javascript` is required for ES modules). Paths are decoded and
 * split before they touch the disk: `..` segments are refused (403), dotfiles are not served, and
 * a symlink may not lead out of the served folder.
 *
 *   node examples/browser/serve.js [port]      (or PORT=…; default 8080; 0 picks a free port)
 *   → open http://127.0.0.1:8080/examples/browser/
 *
 * `startServer` is also what test/examples/browser.test.ts runs, with `mounts` to serve a model
 * folder from elsewhere (e.g. a temporary directory) under a URL prefix.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Starts serving `root` (and each `mounts` directory under its URL prefix, e.g.
 * `{ '/test-model/': '/tmp/xyz' }`). Resolves once listening.
 * @param {{ root?: string, port?: number, host?: string, mounts?: Record<string, string> }} [options]
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function startServer({ root = REPO_ROOT, port = 0, host = '127.0.0.1', mounts = {} } = {}) {
  // Longest prefix first, so a mount inside another wins.
  const bases = [...Object.entries(mounts), ['/', root]].sort((a, b) => b[0].length - a[0].length)
    .map(([prefix, dir]) => ({ prefix: prefix.endsWith('/') ? prefix : `${prefix}/`, dir: resolve(dir) }));
  const server = createServer((req, res) => {
    serve(req, res, bases).catch(() => send(res, 500, 'internal error'));
  });
  await new Promise((done, failed) => {
    server.once('error', failed);
    server.listen(port, host, () => done(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () => new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}

/**
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
 * @param {{ prefix: string, dir: string }[]} bases
 */
async function serve(req, res, bases) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'read-only: GET and HEAD only', { allow: 'GET, HEAD' });
  const rawPath = (req.url ?? '/').split('?')[0].split('#')[0];
  let path;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return send(res, 400, 'malformed percent-encoding');
  }
  if (!path.startsWith('/') || path.includes('\0')) return send(res, 400, 'bad path');
  const segments = path.split(/[/\\]/);
  if (segments.includes('..')) return send(res, 403, 'path traversal refused');
  if (segments.some((s) => s.startsWith('.'))) return send(res, 404, 'not found');
  const base = bases.find((b) => path.startsWith(b.prefix) || `${path}/` === b.prefix);
  if (!base) return send(res, 404, 'not found');
  let file = join(base.dir, ...path.slice(base.prefix.length).split('/').filter((s) => s.length > 0));
  const inside = async (f) => {
    const [real, realBase] = await Promise.all([realpath(f), realpath(base.dir)]);
    return real === realBase || real.startsWith(realBase + sep);
  };
  let info;
  try {
    if (!await inside(file)) return send(res, 403, 'outside the served folder');
    info = await stat(file);
    if (info.isDirectory()) {
      // Relative URLs in an index page resolve against the folder only with the trailing slash.
      if (!path.endsWith('/')) return send(res, 301, 'moved', { location: `${rawPath}/` });
      file = join(file, 'index.html');
      info = await stat(file);
    }
  } catch {
    return send(res, 404, 'not found');
  }
  if (!info.isFile()) return send(res, 404, 'not found');
  res.writeHead(200, {
    'content-type': MIME[/** @type {keyof typeof MIME} */ (extname(file).toLowerCase())] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

/** @param {import('node:http').ServerResponse} res @param {number} status @param {string} text @param {Record<string, string>} [headers] */
function send(res, status, text, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.js: port must be an integer in 0..65535, got ${process.argv[2] ?? process.env.PORT}`);
    process.exit(2);
  }
  const { url } = await startServer({ port });
  console.log(`serving ${REPO_ROOT} read-only at ${url}/ — open ${url}/examples/browser/`);
}
