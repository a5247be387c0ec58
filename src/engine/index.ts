/**
 * The float32 WebAssembly engine: module loading, memory arena and kernels.
 */
export { Engine } from './engine.js';
export { Arena, MAX_MEMORY_BYTES } from './arena.js';
export { type GemmLayout, gemmArrays, gemmOperandShapes, gemmPtr, gemmScratchBytes } from './gemm.js';
export { type LoadWasmOptions, type WasmExports, type WasmModule, loadWasm } from './wasm.js';
export { requireSimd, simdSupported } from './simd.js';
