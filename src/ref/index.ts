/**
 * The float64 reference: `Tensor` with tape autograd, the primitive ops, `gradcheck`, and the
 * modules of the Differential Transformer.
 */
export { Tensor, numel, stridesOf, type BackwardFn } from './tensor.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export { Rng } from './random.js';
export * from './ops/index.js';
export * from './nn/index.js';
