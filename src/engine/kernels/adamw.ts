/**
 * Host side of the optimizer (assembly/adamw.ts): one AdamW step as torch.optim.AdamW, and
 * global-norm gradient clipping as torch.nn.utils.clip_grad_norm_ (norm type 2):
 *   norm = √(Σ over every gradient of Σ g²),   g ← g · min(1, maxNorm / (norm + 1e-6))
 */
import type { Arena } from '../arena.js';
import type { WasmModule } from '../wasm.js';
import { scaleInplacePtr } from './elementwise.js';
import { checkArray, checkNumber, checkRegions, checkSize, kernel, region, staged } from './boundary.js';

/** AdamW hyperparameters; the defaults are torch.optim.AdamW's. */
export interface AdamWOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** β1 (default 0.9). */
  beta1?: number;
  /** β2 (default 0.999). */
  beta2?: number;
  /** ε added to √v̂ (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay λ: p ← p·(1 − lr·λ) (default 1e-2). */
  weightDecay?: number;
}

/** The hyperparameters of one step t ≥ 1, with PyTorch's bias corrections 1 − β^t. */
export interface AdamWStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  bias1: number;
  bias2: number;
}

/** Fills in the defaults and the bias corrections of step `t` (1-based, as PyTorch's `step`). */
export function adamwStepParams(t: number, options: AdamWOptions = {}): AdamWStep {
  checkSize('adamw', 't', t);
  const { lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 1e-2 } = options;
  return { lr, beta1, beta2, eps, weightDecay, bias1: 1 - beta1 ** t, bias2: 1 - beta2 ** t };
}

/** One step in linear memory. p, g, m, v: [n] → p, m, v updated in place (m, v start at 0). */
export function adamwPtr(wasm: WasmModule, p: number, g: number, m: number, v: number, n: number, s: AdamWStep): void {
  const op = 'adamw_step';
  checkSize(op, 'n', n, 0);
  checkStep(op, s);
  checkRegions(op, wasm, [region('p', p, n, true), region('g', g, n), region('m', m, n, true), region('v', v, n, true)]);
  kernel(wasm, op)(p, g, m, v, n, s.lr, s.beta1, s.beta2, s.eps, s.weightDecay, s.bias1, s.bias2);
}

/** One step on arrays: p, m, v (same length as g) are updated in place. */
export function adamw(wasm: WasmModule, arena: Arena, p: Float32Array, g: Float32Array, m: Float32Array,
  v: Float32Array, s: AdamWStep): void {
  const op = 'adamw_step';
  checkArray(op, 'p', p, Float32Array);
  for (const [name, x] of [['g', g], ['m', m], ['v', v]] as const) checkArray(op, name, x, Float32Array, [p.length]);
  checkStep(op, s);
  staged(arena, [p, g, m, v], ([pp, pg, pm, pv]) => {
    adamwPtr(wasm, pp, pg, pm, pv, p.length, s);
    p.set(arena.f32view(pp, p.length));
    m.set(arena.f32view(pm, p.length));
    v.set(arena.f32view(pv, p.length));
  });
}

/** Σ x² (accumulated in f64) over x: [n] in linear memory. */
export function sumsqPtr(wasm: WasmModule, x: number, n: number): number {
  const op = 'sumsq';
  checkSize(op, 'n', n, 0);
  checkRegions(op, wasm, [region('x', x, n)]);
  return kernel(wasm, op)(x, n);
}

/** Σ x² (accumulated in f64) over an array. */
export function sumsq(wasm: WasmModule, arena: Arena, x: Float32Array): number {
  checkArray('sumsq', 'x', x, Float32Array);
  return staged(arena, [x], ([px]) => sumsqPtr(wasm, px, x.length));
}

/** PyTorch's clip coefficient min(1, maxNorm / (norm + 1e-6)). */
export function clipCoefficient(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}

/**
 * Clips gradients in linear memory (each `{ ptr, n }` a buffer of n floats) to a global 2-norm of
 * at most maxNorm, in place; returns the norm before clipping.
 */
export function clipGradNormPtr(wasm: WasmModule, grads: ReadonlyArray<{ ptr: number; n: number }>, maxNorm: number): number {
  checkNumber('clip_grad_norm', 'maxNorm', maxNorm, (x) => x > 0 && Number.isFinite(x), 'a finite number > 0');
  const norm = Math.sqrt(grads.reduce((s, g) => s + sumsqPtr(wasm, g.ptr, g.n), 0));
  const coef = clipCoefficient(norm, maxNorm);
  // A coefficient of 1 leaves every value as it is (PyTorch multiplies anyway).
  if (coef < 1) for (const g of grads) scaleInplacePtr(wasm, g.ptr, g.n, coef);
  return norm;
}

/** As `clipGradNormPtr`, on arrays (updated in place). */
export function clipGradNorm(wasm: WasmModule, arena: Arena, grads: readonly Float32Array[], maxNorm: number): number {
  grads.forEach((g, i) => checkArray('clip_grad_norm', `grads[${i}]`, g, Float32Array));
  return staged(arena, grads, (ptrs) => {
    const norm = clipGradNormPtr(wasm, ptrs.map((ptr, i) => ({ ptr, n: grads[i].length })), maxNorm);
    grads.forEach((g, i) => g.set(arena.f32view(ptrs[i], g.length)));
    return norm;
  });
}

function checkStep(op: string, s: AdamWStep): void {
  const finite = (lo: number) => (x: number) => Number.isFinite(x) && x >= lo;
  checkNumber(op, 'lr', s.lr, finite(0), 'a finite number ≥ 0');
  checkNumber(op, 'beta1', s.beta1, (x) => x >= 0 && x < 1, 'in [0, 1)');
  checkNumber(op, 'beta2', s.beta2, (x) => x >= 0 && x < 1, 'in [0, 1)');
  checkNumber(op, 'eps', s.eps, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0');
  checkNumber(op, 'weightDecay', s.weightDecay, finite(0), 'a finite number ≥ 0');
  checkNumber(op, 'bias1', s.bias1, (x) => x > 0 && x <= 1, 'in (0, 1] (1 − β1^t for a step t ≥ 1)');
  checkNumber(op, 'bias2', s.bias2, (x) => x > 0 && x <= 1, 'in (0, 1] (1 − β2^t for a step t ≥ 1)');
}
