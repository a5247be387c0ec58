/**
 * Runs the generation function (handler.js) in Node's http server, as a platform would: each
 * IncomingMessage becomes a standard Request (body streamed, aborted when the client goes away) and
 * the Response is written back as it streams.
 *
 *   node examples/serverless/server.js [port]        (or PORT=…; default 8787; 0 picks a free port)
 *   DIFFATTN_MODEL=path/to/model node examples/serverless/server.js
 *
 * Prints `listening on http://127.0.0.1:<port>` once it accepts connections (measure.js waits for it).
 */
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import handler from './handler.js';

const port = Number(process.argv[2] ?? process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`server.js: port must be an integer in 0..65535, got ${process.argv[2] ?? process.env.PORT}`);
  process.exit(2);
}

/** Adapts one Node request to the handler and writes its response back. */
async function respond(req, res) {
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : v === undefined ? [] : [[k, v]])),
    body: hasBody ? /** @type {ReadableStream} */ (Readable.toWeb(req)) : undefined,
    duplex: 'half',
    signal: aborted.signal,
  });
  const response = await handler.fetch(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null || req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    for await (const chunk of response.body) {
      // Leaving the loop cancels the stream, which frees the engine for the next request.
      if (res.destroyed) break;
      res.write(chunk);
    }
  } catch {
    // The client went away mid-stream; the handler has already been told through the signal.
  }
  res.end();
}

const server = createServer((req, res) => {
  // The handler answers every Request itself; what lands here is a request Node accepted but a
  // standard Request cannot represent (a malformed Host header, say).
  respond(req, res).catch((e) => {
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: `bad request: ${e.message}` }));
  });
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
});
