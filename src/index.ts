/**
 * diffattn: the Differential Transformer (Ye et al., arXiv 2410.05258) in TypeScript.
 * Subpath entry points keep imports small: `diffattn/ref` (float64 reference), `diffattn/io`
 * (safetensors), `diffattn/model` (configs, folders, tokenizers, sampling), `diffattn/oracle`
 * (golden-file verification), `diffattn/engine` (WebAssembly engine), `diffattn/train` (trainer,
 * corpora, paired initialisation) and `diffattn/browser` (what a page needs, with no Node imports).
 * This root re-exports the error type and the reference.
 */
export { DiffAttnError, type DiffAttnErrorCode } from './errors.js';
export * from './ref/index.js';
