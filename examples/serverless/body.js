/**
 * The POST body of the generation function: read with a byte cap, parsed as JSON and checked field
 * by field. Every problem is an `HttpError` whose message is one line naming the field, what was
 * expected and what came, so a client can fix its request; nothing here can turn bad input into a 500.
 */

/** An error with the HTTP status to answer with. */
export class HttpError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @typedef {object} GenerateRequest
 * @property {string} prompt
 * @property {number} maxTokens
 * @property {number} temperature
 * @property {number | undefined} topK
 * @property {number} topP
 * @property {number} repetitionPenalty
 * @property {number} seed
 * @property {string[]} stop
 * @property {boolean} stream
 */

/** @typedef {{ maxBodyBytes: number, maxPromptChars: number, maxStopStrings: number }} BodyLimits */

/**
 * Each field: its default (undefined: required or optional without one) and a check returning the
 * expected kind of value when `v` is wrong. Unknown fields are refused, so a typo (`max_tokens`)
 * is a 400 instead of a silently ignored setting.
 * @type {Record<string, { fallback?: unknown, expected: (v: any, limits: BodyLimits) => string | null }>}
 */
const FIELDS = {
  prompt: { expected: (v) => (typeof v === 'string' && v.length > 0 ? null : 'a non-empty string') },
  maxTokens: { fallback: 64, expected: (v) => (Number.isSafeInteger(v) && v >= 0 ? null : 'an integer ≥ 0') },
  temperature: { fallback: 0.8, expected: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : 'a number ≥ 0 (0 is greedy)') },
  topK: { expected: (v) => (Number.isSafeInteger(v) && v >= 1 ? null : 'an integer ≥ 1') },
  topP: { fallback: 1, expected: (v) => (typeof v === 'number' && v > 0 && v <= 1 ? null : 'a number in (0, 1]') },
  repetitionPenalty: { fallback: 1, expected: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'a number > 0') },
  seed: { fallback: 0, expected: (v) => (Number.isSafeInteger(v) ? null : 'an integer') },
  stop: {
    fallback: [],
    expected: (v, limits) => (Array.isArray(v) && v.length <= limits.maxStopStrings && v.every((s) => typeof s === 'string' && s.length > 0)
      ? null : `a list of at most ${limits.maxStopStrings} non-empty strings`),
  },
  stream: { fallback: false, expected: (v) => (typeof v === 'boolean' ? null : 'true or false') },
};

/**
 * Reads and checks the body of `request`: 413 over `limits.maxBodyBytes` or a prompt over
 * `limits.maxPromptChars`, 400 for anything else wrong.
 * @param {Request} request @param {BodyLimits} limits @returns {Promise<GenerateRequest>}
 */
export async function readGenerateRequest(request, limits) {
  const text = new TextDecoder().decode(await readCapped(request, limits.maxBodyBytes));
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body: not valid JSON (${oneLine(/** @type {Error} */ (e).message)})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, `body: expected a JSON object such as {"prompt": "Call me Ishmael."}, got ${describe(body)}`);
  }
  const unknown = Object.keys(body).filter((k) => !Object.hasOwn(FIELDS, k));
  if (unknown.length > 0) throw new HttpError(400, `unknown field ${JSON.stringify(unknown[0])}; known fields: ${Object.keys(FIELDS).join(', ')}`);
  if (typeof body.stop === 'string') body.stop = [body.stop];
  const out = /** @type {Record<string, unknown>} */ ({});
  for (const [name, field] of Object.entries(FIELDS)) {
    const v = body[name] ?? field.fallback;
    if (v === undefined) {
      if (name === 'prompt') throw new HttpError(400, 'prompt: required (a non-empty string)');
      continue;
    }
    const expected = field.expected(v, limits);
    if (expected !== null) throw new HttpError(400, `${name}: expected ${expected}, got ${describe(v)}`);
    out[name] = v;
  }
  if (/** @type {string} */ (out.prompt).length > limits.maxPromptChars) {
    throw new HttpError(413, `prompt: ${/** @type {string} */ (out.prompt).length} characters, more than the ${limits.maxPromptChars} this function accepts`);
  }
  return /** @type {GenerateRequest} */ (/** @type {unknown} */ (out));
}

/**
 * The body's bytes, refusing (413) as soon as they pass `max`: the declared Content-Length first,
 * then the bytes actually read, so a lying or absent header cannot make the function buffer more.
 * @param {Request} request @param {number} max @returns {Promise<Uint8Array>}
 */
async function readCapped(request, max) {
  const tooLarge = () => new HttpError(413, `body: more than ${max} bytes`);
  if (Number(request.headers.get('content-length') ?? 0) > max) throw tooLarge();
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

/** A short description of a JSON value for messages. @param {unknown} v */
function describe(v) {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** `s` on one line (JSON.parse and library messages may span several). @param {string} s */
export function oneLine(s) {
  return s.replace(/\s+/g, ' ').trim();
}
