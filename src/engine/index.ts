/**
 * The float32 WebAssembly engine: module loading, memory arena and kernels.
 */
export { Engine } from './engine.js';
export { Arena, MAX_MEMORY_BYTES } from './arena.js';
export { type GemmLayout, gemmArrays, gemmOperandShapes, gemmPtr, gemmScratchBytes } from './gemm.js';
export { type LoadWasmOptions, type WasmExports, type WasmModule, loadWasm } from './wasm.js';
export { relaxedSimdSupported, requireSimd, simdSupported } from './simd.js';
export { EngineModel, type ParamSource, type StepOptions } from './model/engine-model.js';
export { generateOnEngine, streamOnEngine, type EngineGeneration, type GenerationTiming } from './generate.js';
export type { EngineLimits } from './model/memory.js';
export { MemoryPlan, formatBytes, type PlannedBuffer } from './plan.js';
export { Attention, type AttentionScalars } from './attention.js';
export { attentionLayout, type AttentionConfig, type AttentionKind, type AttentionLayout } from './attention-desc.js';
export * from './kernels/index.js';
