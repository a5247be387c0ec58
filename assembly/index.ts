/**
 * The diffattn WebAssembly module: raw-pointer kernels over one linear memory.
 *
 * Conventions for every export: pointers are byte offsets into linear memory (`usize`), sizes are
 * `i32`, tensors are row-major float32, and kernels never allocate — the host (src/engine) plans
 * all buffers and scratch, validates arguments, and only then calls in.
 */
export { gemm_nn, gemm_nt, gemm_tn, gemm_scratch_bytes } from './gemm';
export { copy_f32x4, copy_bulk } from './copy';

/** First byte after the module's static data: the host's arena starts here. */
export function heap_base(): usize {
  return __heap_base;
}
export { rmsnorm_fwd, rmsnorm_bwd } from './norm';
export { rotary_fwd } from './rotary';
export { swiglu_fwd, swiglu_bwd } from './swiglu';
export { embedding_fwd, embedding_bwd } from './embedding';
export { add_fwd, accumulate, scale_inplace } from './elementwise';
export { xent_fwd_bwd } from './cross-entropy';
export { adamw_step, sumsq } from './adamw';
export { attention_forward, attention_forward_scratch_bytes } from './attention-fwd';
export { attention_backward, attention_backward_scratch_bytes } from './attention-bwd';
export { attention_decode, attention_decode_scratch_bytes } from './attention-decode';
export { attention_cache_write } from './attention-cache';
export { sigmoid_fwd, sigmoid_bwd } from './sigmoid';
