/**
 * `diffattn/browser`: what runs a model where there is no Node: browsers (as plain ES modules, no
 * bundler), web workers, and edge or serverless runtimes with `fetch` and WebAssembly. Nothing
 * reachable from here imports a `node:` module at top level (test/examples/browser.test.ts checks
 * the whole graph); the one bare specifier is `@huggingface/tokenizers` (for tokenizer.json
 * folders), which a page maps with an import map. See docs/deploy.md.
 *
 *   const wasm = await loadWasm();
 *   const folder = await fetchModelFolder('/models/moby-diff/');
 *   const model = await EngineModel.create(folder.config, { batch: 1, maxContext: folder.config.maxContext, training: false }, { wasm });
 *   model.loadParams(folder.params);
 *   for await (const step of streamOnEngine(model, folder.tokenizer, 'Call me Ishmael.', { maxTokens: 64 })) show(step.text);
 */
export { DiffAttnError, type DiffAttnErrorCode } from './errors.js';
export { loadWasm, type LoadWasmOptions, type WasmModule } from './engine/wasm.js';
export { relaxedSimdSupported, requireSimd, simdSupported } from './engine/simd.js';
export { EngineModel, type ParamSource } from './engine/model/engine-model.js';
export type { EngineLimits } from './engine/model/memory.js';
export { generateOnEngine, streamOnEngine, type EngineGeneration, type GenerationTiming } from './engine/generate.js';
export { parameterCount, type ModelConfig } from './model/config.js';
export type { LoadedModel, ModelData } from './model/folder.js';
export { folderNames, parseModelFolder, type FolderNames, type ModelFolderFiles } from './model/folder-parse.js';
export { fetchModelFolder, type FetchFolderOptions } from './model/folder-fetch.js';
export type { GenerateOptions, Generation, GenerationStep } from './model/generate.js';
export type { SamplingOptions } from './model/sampling.js';
export type { TextStream, Tokenizer } from './model/tokenizer/tokenizer.js';
export { ByteTokenizer } from './model/tokenizer/bytes.js';
export { HfTokenizer } from './model/tokenizer/hf.js';
