/**
 * Loads the diffattn WebAssembly module (build/diffattn.wasm, or the debug build) in Node ≥ 20 and
 * in browsers, with no bundler configuration.
 *
 * Where the bytes come from, in order of precedence:
 *  1. `wasmBytes`: bytes or a compiled `WebAssembly.Module` the caller already has;
 *  2. `wasmUrl`: an explicit location (a `file:` URL or path in Node, any URL in a browser);
 *  3. the file shipped beside the package: `build/diffattn.wasm` (or `diffattn.debug.wasm`, or
 *     `diffattn.relaxed.wasm`), found relative to this module. The module runs from `src/engine/`
 *     (tests, source checkouts) or `dist/src/engine/` (the compiled package), so
 *     `../../../build/` and then `../../build/` are tried (a browser sees no 404 for the first).
 */
import { DiffAttnError } from '../errors.js';
import { relaxedSimdSupported, requireSimd } from './simd.js';

/** The raw exports of the module: pointers are byte offsets into `memory`, sizes are i32. */
export interface WasmExports {
  /** The module's linear memory (defined and exported by the module; the host grows it). */
  readonly memory: WebAssembly.Memory;
  /** First byte after the module's static data; the host arena starts here. */
  heap_base(): number;
  /** C (+)= A·B. A: [M, K], B: [K, N] → C: [M, N]; `accumulate` 0 overwrites, 1 adds. */
  gemm_nn(a: number, b: number, c: number, M: number, N: number, K: number, accumulate: number, scratch: number): void;
  /** C (+)= A·Bᵀ. A: [M, K], B: [N, K] → C: [M, N]. */
  gemm_nt(a: number, b: number, c: number, M: number, N: number, K: number, accumulate: number, scratch: number): void;
  /** C (+)= Aᵀ·B. A: [K, M], B: [K, N] → C: [M, N]. */
  gemm_tn(a: number, b: number, c: number, M: number, N: number, K: number, accumulate: number, scratch: number): void;
  /** Bytes of 16-byte-aligned scratch a GEMM of this size needs. */
  gemm_scratch_bytes(M: number, N: number, K: number): number;
  /** Copies `bytes` bytes with a 128-bit load/store loop (regions must not overlap). */
  copy_f32x4(dst: number, src: number, bytes: number): void;
  /** Copies `bytes` bytes with `memory.copy` (overlap allowed). */
  copy_bulk(dst: number, src: number, bytes: number): void;
}

/** Options of `loadWasm`. */
export interface LoadWasmOptions {
  /** Load `diffattn.debug.wasm`: kernel asserts on (a bad pointer traps with a message), slower. */
  debug?: boolean;
  /**
   * Load `diffattn.relaxed.wasm`, whose GEMM and attention micro-kernels use relaxed SIMD's
   * `f32x4.relaxed_madd` (a fused multiply-add where the CPU has one), if this runtime supports
   * relaxed SIMD; otherwise the standard build, without an error (`WasmModule.relaxed` says which).
   * Results may differ from the standard build in the last bits (one rounding instead of two per
   * multiply-add), within the same error bounds. Ignored with `debug`, `wasmUrl` or `wasmBytes`.
   */
  relaxed?: boolean;
  /** Explicit location of the .wasm file; overrides the default lookup beside the package. */
  wasmUrl?: string | URL;
  /** The module's bytes or a compiled module; overrides `wasmUrl` and the default lookup. */
  wasmBytes?: BufferSource | WebAssembly.Module;
}

/** A loaded module. */
export interface WasmModule {
  /** The instance's exports: the kernels. */
  readonly exports: WasmExports;
  /** Same as `exports.memory`. */
  readonly memory: WebAssembly.Memory;
  /** Whether this is the debug build. */
  readonly debug: boolean;
  /** Whether the loader picked the relaxed-SIMD build (`relaxed: true` and a runtime that has it). */
  readonly relaxed: boolean;
  /** Where the bytes came from (a URL, or 'bytes' / 'module' when passed in). */
  readonly source: string;
}

/**
 * Loads and instantiates the module. Checks WebAssembly SIMD support first and throws
 * `DiffAttnError('unsupported')` without it; throws `DiffAttnError('missing')` when the file
 * cannot be found, naming every location tried.
 */
export async function loadWasm(options: LoadWasmOptions = {}): Promise<WasmModule> {
  requireSimd();
  const debug = options.debug ?? false;
  const memoryRef: { memory?: WebAssembly.Memory } = {};
  const imports = { env: { abort: abortHandler(memoryRef) } };
  let instance: WebAssembly.Instance;
  let source: string;
  let relaxed = false;
  if (options.wasmBytes instanceof WebAssembly.Module) {
    source = 'module';
    instance = await WebAssembly.instantiate(options.wasmBytes, imports);
  } else if (options.wasmBytes !== undefined) {
    source = 'bytes';
    instance = (await WebAssembly.instantiate(options.wasmBytes as BufferSource, imports)).instance;
  } else {
    relaxed = options.relaxed === true && !debug && options.wasmUrl === undefined && relaxedSimdSupported();
    const file = debug ? 'diffattn.debug.wasm' : relaxed ? 'diffattn.relaxed.wasm' : 'diffattn.wasm';
    const candidates = options.wasmUrl !== undefined
      ? [toUrl(options.wasmUrl)]
      : [new URL(`../../../build/${file}`, import.meta.url), new URL(`../../build/${file}`, import.meta.url)];
    ({ instance, source } = await instantiateFirst(candidates, imports));
  }
  const exports = instance.exports as unknown as WasmExports;
  memoryRef.memory = exports.memory;
  return { exports, memory: exports.memory, debug, relaxed, source };
}

// Tries each location in turn; the first that can be read is compiled (a compile error is not
// retried elsewhere: it means a broken build, not a wrong path).
async function instantiateFirst(candidates: URL[], imports: WebAssembly.Imports):
  Promise<{ instance: WebAssembly.Instance; source: string }> {
  const failures: string[] = [];
  for (const url of candidates) {
    try {
      if (url.protocol === 'file:') {
        const bytes = await readFileUrl(url);
        return { instance: (await WebAssembly.instantiate(bytes, imports)).instance, source: url.href };
      }
      return { instance: await instantiateFetched(url, imports), source: url.href };
    } catch (err) {
      if (err instanceof WebAssembly.CompileError || err instanceof WebAssembly.LinkError) throw err;
      failures.push(`${url.href} (${(err as Error).message})`);
    }
  }
  throw new DiffAttnError('missing',
    `diffattn engine: could not load the WebAssembly module; tried ${failures.join('; ')}. ` +
    'Run `npm run build:wasm`, or pass `wasmUrl` or `wasmBytes` to point at diffattn.wasm.');
}

// Node: read a file: URL. `node:fs` is imported only here so browsers never resolve it.
async function readFileUrl(url: URL): Promise<BufferSource> {
  const { readFile } = await import('node:fs/promises');
  // readFile's Buffer owns a plain (never shared) ArrayBuffer.
  return (await readFile(url)) as Uint8Array<ArrayBuffer>;
}

// Browsers (and Node for http URLs): streaming compilation when the server sends
// `Content-Type: application/wasm`, else a plain ArrayBuffer compile.
async function instantiateFetched(url: URL, imports: WebAssembly.Imports): Promise<WebAssembly.Instance> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  if (typeof WebAssembly.instantiateStreaming === 'function' &&
    response.headers.get('content-type')?.startsWith('application/wasm')) {
    return (await WebAssembly.instantiateStreaming(response, imports)).instance;
  }
  return (await WebAssembly.instantiate(await response.arrayBuffer(), imports)).instance;
}

function toUrl(location: string | URL): URL {
  if (location instanceof URL) return location;
  if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) return new URL(location);
  // A bare path: relative to the working directory in Node, to the page in a browser.
  if (typeof process === 'object' && typeof process.cwd === 'function') {
    return new URL(location, `file://${process.cwd().replace(/\\/g, '/')}/`);
  }
  return new URL(location, globalThis.location?.href);
}

// AssemblyScript's `abort(message, file, line, column)` import, reached only from the debug
// build's asserts. Strings are UTF-16 with their byte length stored 4 bytes before the pointer.
function abortHandler(ref: { memory?: WebAssembly.Memory }) {
  return (messagePtr: number, filePtr: number, line: number, column: number): never => {
    const text = (ptr: number): string => {
      if (ref.memory === undefined || ptr === 0) return '';
      const bytes = new DataView(ref.memory.buffer).getUint32(ptr - 4, true);
      return String.fromCharCode(...new Uint16Array(ref.memory.buffer, ptr, bytes >>> 1));
    };
    throw new DiffAttnError('value',
      `diffattn kernel assertion failed: ${text(messagePtr)} (${text(filePtr)}:${line}:${column})`);
  };
}
