/**
 * Host wrappers of the non-GEMM kernels, each in a pointer form (for the engine's planned memory)
 * and an array form (staged through the arena), validating every argument first.
 */
export { IGNORE_INDEX, type XentOptions, xent, xentPtr } from './cross-entropy.js';
export {
  type AdamWOptions, type AdamWStep, adamw, adamwPtr, adamwStepParams, clipCoefficient, clipGradNorm, clipGradNormPtr,
  sumsq, sumsqPtr,
} from './adamw.js';
export { accumulate, accumulatePtr, add, addPtr, scaleInplace, scaleInplacePtr } from './elementwise.js';
export { embeddingBwd, embeddingBwdPtr, embeddingFwd, embeddingFwdPtr } from './embedding.js';
export { rmsnormBwd, rmsnormBwdPtr, rmsnormFwd, rmsnormFwdPtr } from './rmsnorm.js';
export { type RotaryShape, type RotaryStyle, rotary, rotaryPtr } from './rotary.js';
export { swigluBwd, swigluBwdPtr, swigluFwd, swigluFwdPtr } from './swiglu.js';
export { sigmoidBwd, sigmoidBwdPtr, sigmoidFwd, sigmoidFwdPtr } from './sigmoid.js';
