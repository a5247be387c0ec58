// The ONNX graphs benchmarked against diffattn's own kernels, their FLOP counts, and the
// onnxruntime-web session setup shared by check.js and run.js.
import * as ort from 'onnxruntime-web';
import { GraphBuilder } from './onnx-builder.js';

// One thread, no proxy worker: the same conditions as diffattn's single-threaded WASM kernels.
// The Node entry point of onnxruntime-web loads ort-wasm-simd-threaded.{mjs,wasm} from its own
// dist/ folder (resolved from import.meta.url), so nothing is fetched at run time and wasmPaths can
// stay unset. SIMD is on by default and that .wasm is a SIMD build.
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.wasm.simd = true;
ort.env.logLevel = 'error';

/** Compiles an encoded model on the WASM execution provider with all graph optimisations (ORT's default for web). */
export function createSession(modelBytes) {
  return ort.InferenceSession.create(modelBytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
}

/** Wraps a Float32Array as an ORT tensor feed. */
export function feed(data, dims) {
  return new ort.Tensor('float32', data, dims);
}

/** Deterministic uniform values in [-1, 1) (mulberry32), so every run times identical inputs. */
export function randomFloats(count, seed) {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/** A [T, T] additive mask: 0 on and below the diagonal, -inf above it (key j > query i). */
function causalMask(T) {
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) mask.fill(-Infinity, i * T + i + 1, (i + 1) * T);
  return mask;
}

const scalar = (value) => Float32Array.of(value);

/**
 * C[M, N] = A[M, K] · B[K, N]. A is always a graph input (activations). B is an initializer when given,
 * as a weight matrix is in a real model, which lets ORT pre-pack it once at session creation; with
 * B = null it is a second graph input, packed again on every run.
 */
export function gemmGraph(M, K, N, B) {
  const g = new GraphBuilder(`gemm_${M}x${K}x${N}`);
  const a = g.input('A', [M, K]);
  const b = B ? g.constant('B', [K, N], B) : g.input('B', [K, N]);
  g.output(g.node('MatMul', [a, b]), [M, N]);
  return g.toModel();
}

export const gemmFlops = (M, K, N) => 2 * M * N * K;

/** The initializers both attention graphs share: the 1/√d score scale and the [T, T] causal mask. */
function attentionConstants(g, T, d) {
  return {
    scale: g.constant('scale', [], scalar(1 / Math.sqrt(d))),
    mask: g.constant('causal_mask', [T, T], causalMask(T)),
  };
}

/**
 * Probabilities softmax(q·kᵀ/√d + mask) over the last axis, for q and k of shape [..., T, d].
 * K is transposed inside the graph; ORT fuses Transpose + MatMul + the scale Mul into one FusedMatMul.
 * ORT computes all T×T scores and then masks the upper half, so it does twice the useful matmul
 * work; the FLOP counts below cover the causal half only.
 */
function causalSoftmax(g, q, k, rank, { scale, mask }) {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  const scores = g.node('Mul', [g.node('MatMul', [q, g.node('Transpose', [k], { perm })]), scale]);
  return g.node('Softmax', [g.node('Add', [scores, mask])], { axis: -1 });
}

/**
 * Standard causal softmax attention, B = 1: Q, K, V of shape [1, H, T, d] → [1, H, T, d].
 * run.js uses H = 8, d = 64: the baseline with the same FLOPs as 4 differential heads.
 */
export function attentionGraph(H, T, d) {
  const g = new GraphBuilder(`attention_h${H}_t${T}_d${d}`);
  const shape = [1, H, T, d];
  const p = causalSoftmax(g, g.input('Q', shape), g.input('K', shape), 4, attentionConstants(g, T, d));
  g.output(g.node('MatMul', [p, g.input('V', shape)]), shape);
  return g.toModel();
}

/**
 * DIFF Transformer V1 attention, B = 1, H differential heads, each with two softmax maps of head size d
 * and values of size 2d:
 *   Q, K: [1, H, 2, T, d] (axis 2 = map 1, map 2);  V: [1, H, 1, T, 2d]
 *   A = softmax(Q1·K1ᵀ/√d + mask) − λ·softmax(Q2·K2ᵀ/√d + mask)
 *   O = RMSNorm(A·V) over the 2d values (weight `norm`, ε = 1e-5) · (1 − λinit)  → [1, H, 1, T, 2d]
 * Q and K are split into their two maps before the score products: splitting the [T, T]
 * probabilities instead copies both maps (128 MiB at T = 2048; 300 ms or more in ORT's Split here).
 * The RMSNorm is spelled Pow/ReduceMean/Add/Sqrt/Div/Mul, the pattern ORT fuses into its
 * SimplifiedLayerNormalization kernel.
 */
export function diffAttentionGraph(H, T, d, { lambda, lambdaInit, norm }) {
  const g = new GraphBuilder(`diff_attention_h${H}_t${T}_d${d}`);
  const qk = [1, H, 2, T, d];
  const out = [1, H, 1, T, 2 * d];
  const [q1, q2] = g.node('Split', [g.input('Q', qk)], { axis: 2 }, 2);
  const [k1, k2] = g.node('Split', [g.input('K', qk)], { axis: 2 }, 2);
  const constants = attentionConstants(g, T, d);
  const p1 = causalSoftmax(g, q1, k1, 5, constants);
  const p2 = causalSoftmax(g, q2, k2, 5, constants);
  const a = g.node('Sub', [p1, g.node('Mul', [p2, g.constant('lambda', [], scalar(lambda))])]);
  const o = g.node('MatMul', [a, g.input('V', out)]);
  const meanSquare = g.node('ReduceMean', [g.node('Pow', [o, g.constant('two', [], scalar(2))])], {
    axes: [-1],
    keepdims: 1,
  });
  const rms = g.node('Sqrt', [g.node('Add', [meanSquare, g.constant('eps', [], scalar(1e-5))])]);
  const normed = g.node('Mul', [g.node('Div', [o, rms]), g.constant('norm', [2 * d], norm)]);
  g.output(g.node('Mul', [normed, g.constant('one_minus_lambda_init', [], scalar(1 - lambdaInit))]), out);
  return g.toModel();
}

/**
 * FLOPs over the causal half: each query i attends to keys 0..i, i.e. T(T+1)/2 (query, key) pairs.
 * Per pair, a score costs 2·d FLOPs (Q·Kᵀ) and accumulating its value row costs 2·dv FLOPs (P·V).
 * Softmax, mask, scale, λ-combination and RMSNorm are not counted (O(T²) or less, no d factor).
 *   standard, H heads:      H · T(T+1)/2 · (2d + 2d)
 *   differential, H heads:  H · T(T+1)/2 · (2·2d + 2·2d)   (two score maps, one P·V with dv = 2d)
 * So 4 differential heads (d = 64, dv = 128) and 8 standard heads (d = 64) both count 1024 · T(T+1) FLOPs.
 */
export const attentionFlops = (H, T, d) => H * ((T * (T + 1)) / 2) * 4 * d;
export const diffAttentionFlops = (H, T, d) => H * ((T * (T + 1)) / 2) * 8 * d;
