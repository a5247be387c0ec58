/**
 * `Engine`: a loaded WebAssembly module with its memory arena — the object the float32 path runs on.
 *
 * This slice exposes GEMM; later slices add planned model memory and forward/backward/decode.
 */
import { Arena } from './arena.js';
import { type GemmLayout, gemmArrays, gemmPtr, gemmScratchBytes } from './gemm.js';
import { type LoadWasmOptions, type WasmModule, loadWasm } from './wasm.js';

export class Engine {
  /** The loaded module: raw kernel exports and linear memory. */
  readonly wasm: WasmModule;
  /** Bump allocator over linear memory, starting after the module's static data. */
  readonly arena: Arena;

  /** Wraps an already loaded module; most callers want `Engine.load`. */
  constructor(wasm: WasmModule) {
    this.wasm = wasm;
    this.arena = new Arena(wasm.memory, wasm.exports.heap_base());
  }

  /** Loads the module (see `loadWasm` for where it is found and the options) and wraps it. */
  static async load(options: LoadWasmOptions = {}): Promise<Engine> {
    return new Engine(await loadWasm(options));
  }

  /**
   * C (+)= op(A)·op(B) on Float32Arrays (copied through the arena); returns C.
   * 'nn': A [M, K], B [K, N]; 'nt': A [M, K], B [N, K]; 'tn': A [K, M], B [K, N] → C: [M, N]
   */
  gemm(layout: GemmLayout, A: Float32Array, B: Float32Array, C: Float32Array,
    M: number, N: number, K: number, accumulate = false): Float32Array {
    return gemmArrays(this.wasm, this.arena, layout, A, B, C, M, N, K, accumulate);
  }

  /**
   * C (+)= op(A)·op(B) on operands in linear memory (byte offsets), validated; `scratch` holds
   * `scratchBytes(M, N, K)` bytes, 16-byte aligned. Shapes as for `gemm`.
   */
  gemmPtr(layout: GemmLayout, a: number, b: number, c: number, M: number, N: number, K: number,
    accumulate: boolean, scratch: number): void {
    gemmPtr(this.wasm, layout, a, b, c, M, N, K, accumulate, scratch);
  }

  /** Bytes of GEMM scratch for these sizes (at most ≈ 2.1 MiB whatever the sizes). */
  gemmScratchBytes(M: number, N: number, K: number): number {
    return gemmScratchBytes(this.wasm, M, N, K);
  }
}
