/**
 * The loader: default location, explicit bytes / module / URL, debug build, SIMD detection and
 * the errors for a missing file or a runtime without SIMD.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadWasm, requireSimd, simdSupported } from '../../src/engine/index.js';
import { expectEngineError } from './errors.js';

const releaseUrl = new URL('../../build/diffattn.wasm', import.meta.url);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('loadWasm', () => {
  it('finds the release build beside the package by default', async () => {
    const m = await loadWasm();
    expect(m.debug).toBe(false);
    expect(m.source).toMatch(/build\/diffattn\.wasm$/);
    expect(m.memory).toBe(m.exports.memory);
    for (const name of ['gemm_nn', 'gemm_nt', 'gemm_tn', 'gemm_scratch_bytes', 'copy_f32x4', 'copy_bulk', 'heap_base']) {
      expect(typeof (m.exports as unknown as Record<string, unknown>)[name]).toBe('function');
    }
  });

  it('loads the debug build on request', async () => {
    const m = await loadWasm({ debug: true });
    expect(m.debug).toBe(true);
    expect(m.source).toMatch(/build\/diffattn\.debug\.wasm$/);
  });

  it('takes explicit bytes, a compiled module, a file URL or a path', async () => {
    const bytes = readFileSync(releaseUrl);
    expect((await loadWasm({ wasmBytes: bytes })).source).toBe('bytes');
    expect((await loadWasm({ wasmBytes: new WebAssembly.Module(bytes) })).source).toBe('module');
    expect((await loadWasm({ wasmUrl: releaseUrl })).source).toBe(releaseUrl.href);
    expect((await loadWasm({ wasmUrl: 'build/diffattn.wasm' })).source).toMatch(/^file:.*build\/diffattn\.wasm$/);
  });

  it('names every location tried when the file is missing', async () => {
    await expect(loadWasm({ wasmUrl: new URL('file:///nonexistent/diffattn.wasm') })).rejects.toThrow(
      /could not load the WebAssembly module; tried file:\/\/\/nonexistent\/diffattn\.wasm .*npm run build:wasm/);
    await expect(loadWasm({ wasmUrl: '/nonexistent/x.wasm' })).rejects.toMatchObject({ code: 'missing' });
  });

  it('reports a broken file as a compile error, not as missing', async () => {
    await expect(loadWasm({ wasmBytes: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]) })).rejects.toBeInstanceOf(
      WebAssembly.CompileError);
  });
});

describe('SIMD detection', () => {
  it('finds SIMD in this runtime', () => {
    expect(simdSupported()).toBe(true);
    requireSimd();
  });

  it('throws DiffAttnError("unsupported") before loading when SIMD is missing', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expectEngineError(() => requireSimd(), 'unsupported', /WebAssembly SIMD .* is not supported by this runtime/);
    await expect(loadWasm()).rejects.toMatchObject({ code: 'unsupported' });
  });
});
