/** The reference modules, built only from the primitive ops. */
export { Module, type ParamValue, type LoadOptions } from './module.js';
export { Linear } from './linear.js';
export { RMSNorm } from './rmsnorm.js';
export { SwiGLU } from './swiglu.js';
export { ropeFrequencies, ropeTables, type RopeSchedule, type RopeTables } from './rotary.js';
export { causalMaps, groupedQueryAttention, mergeHeads, toHeads } from './heads.js';
export { prefixTrace, type Trace } from './trace.js';
export {
  MultiheadDiffAttn, lambdaInit, keyHeadForQueryHead, valueHeadForDiffHead, type DiffAttnConfig, type GqaPairing,
} from './diff-attention.js';
export { DiffAttnV2, type DiffAttnV2Config } from './diff-attention-v2.js';
export { MultiheadAttention, type AttentionConfig } from './attention.js';
export { DecoderLayer, makeAttention, type Attention, type AttentionKind, type DecoderLayerConfig } from './decoder-layer.js';
export { DiffTransformerLM, nextTokenLoss, qkHeadDim, type LMConfig } from './transformer-lm.js';
