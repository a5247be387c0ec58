/**
 * `runLayer`: one attention module or one pre-norm decoder layer (decoder.ts), forward and
 * backward, on the float32 kernels with the caller's rotary tables and λinit depth (an
 * `EngineModel` always builds its own tables and takes the depth from the layer index). This is
 * what checks the engine against golden files of single modules. x, y: [B, T, C]; the gradients
 * are those of L = Σ y ⊙ gradY.
 */
import { check, DiffAttnError } from '../../errors.js';
import { Arena } from '../arena.js';
import { Attention, type AttentionScalars } from '../attention.js';
import { attentionLayout, descriptorBytes, type AttentionConfig, type AttentionLayout } from '../attention-desc.js';
import type { ParamSource } from '../model/engine-model.js';
import { MemoryPlan } from '../plan.js';
import type { WasmModule } from '../wasm.js';
import { attentionScalars, type LayerContext } from './attention-block.js';
import { layerBackward, layerForward } from './decoder.js';
import { planLayerMemory } from './layer-memory.js';
import { layerLayout, layerParamShapes, type LayerSpec } from './layer-spec.js';

/** The inputs of a run: x and the upstream gradient [B, T, C], rotary tables [ropeRows ≥ T, rotaryHalf]. */
export interface LayerInputs {
  B: number;
  T: number;
  x: ArrayLike<number>;
  gradY: ArrayLike<number>;
  cos: ArrayLike<number>;
  sin: ArrayLike<number>;
  ropeRows: number;
}

/** What a run computed, copied out of linear memory. */
export interface LayerRun {
  /** [B, T, C] */
  y: Float32Array;
  /** ∂L/∂x: [B, T, C] */
  gradX: Float32Array;
  /** ∂L/∂p by parameter name (shapes as `layerParamShapes`). */
  grads: Map<string, Float32Array>;
  /**
   * Every forward buffer as the kernels left it, by plan name (layouts in layer-memory.ts):
   * x, n1, rstd1, q, k, v (q and k after rotary), z, lse, rstdA, lam, sig, attnOut, h, n2, rstd2,
   * g, u, m, ffnOut, y, and for DIFF V2 `heads`, each query head's own output.
   */
  buffers: Map<string, Float32Array>;
  layout: AttentionLayout;
  /** The scalars the attention kernel ran with (V1: λ, λinit, ε). */
  scalars: AttentionScalars;
}

/**
 * Runs `spec` forward and backward on `wasm`, whose linear memory above the heap base it takes
 * over (as `EngineModel.create` does): use a module of its own, or one nothing else is using.
 */
export function runLayer(wasm: WasmModule, spec: LayerSpec, params: ParamSource, inputs: LayerInputs): LayerRun {
  const L = layerLayout(spec);
  const shapes = layerParamShapes(spec, L);
  const { B, T, ropeRows } = inputs;
  checkInputs(spec, shapes, params, inputs);
  const arena = new Arena(wasm.memory, wasm.exports.heap_base());
  const plan = new MemoryPlan(arena.top);
  // The kernels size their scratch from a written descriptor, so descriptors come first (as memory.ts).
  const headsConfig: AttentionConfig | null = L.kind === 'diff_v2' ? { kind: 'baseline', numHeads: L.Hq, numKvHeads: L.Hkv, headDim: L.d } : null;
  const desc = plan.add('desc', descriptorBytes(L), 'scratch').offset;
  const headsDesc = headsConfig ? plan.add('desc.heads', descriptorBytes(attentionLayout(headsConfig)), 'scratch').offset : 0;
  arena.reserve(plan.end - arena.top);
  const attention = new Attention(wasm, spec.attention, desc);
  // DIFF V2 combines its maps inside the kernel; each head's own output comes from the baseline
  // kernel over the same q, k, v, whose κ(h) = ⌊h / (2H/Hkv)⌋ is V2's.
  const perHead = headsConfig ? new Attention(wasm, headsConfig, headsDesc) : null;
  const scratch = Math.max(attention.forwardScratchBytes(B, T), attention.backwardScratchBytes(B, T), perHead?.forwardScratchBytes(B, T) ?? 0);
  const mem = planLayerMemory(wasm, plan, spec, L, shapes, B, T, ropeRows, scratch);
  plan.assertFits(`a ${L.kind} layer at batch ${B}, sequence ${T}`);
  arena.alloc(plan.end - arena.top, 64);

  const c: LayerContext = {
    wasm, spec, layout: L, attention, B, T, mem, ropeRows,
    param: (name) => mem.params.get(name)!.ptr, grad: (name) => mem.grads.get(name)!,
  };
  const f32 = (ptr: number, n: number): Float32Array => new Float32Array(wasm.memory.buffer, ptr, n);
  const N = B * T, C = spec.dModel;
  for (const [name, { ptr, size }] of mem.params) f32(ptr, size).set(params.get(name)!.data);
  for (const [name, { size }] of mem.params) f32(c.grad(name), size).fill(0);
  f32(mem.acts.x, N * C).set(inputs.x);
  f32(mem.temps.dX, N * C).set(inputs.gradY);
  f32(mem.cos, ropeRows * spec.rotaryHalf).set(inputs.cos);
  f32(mem.sin, ropeRows * spec.rotaryHalf).set(inputs.sin);

  const scalars = attentionScalars(c);
  layerForward(c, scalars);
  if (perHead) {
    const a = mem.acts;
    perHead.forwardPtr(B, T, { q: a.q, k: a.k, v: a.v, out: mem.heads, lse: 0, rstd: 0, sigma: 0, gain: 0, scratch: mem.attnScratch });
  }
  const gradX = layerBackward(c, scalars);
  return {
    y: f32(mem.y, N * C).slice(), gradX: f32(gradX, N * C).slice(),
    grads: new Map([...mem.params].map(([name, { size }]) => [name, f32(c.grad(name), size).slice()])),
    buffers: new Map([...mem.forward].map(([name, { ptr, floats }]) => [name, f32(ptr, floats).slice()])),
    layout: L, scalars,
  };
}

// Every problem with the parameters is reported together, each naming the parameter (as
// EngineModel.loadParams); sizes of the inputs are checked before anything is planned.
function checkInputs(spec: LayerSpec, shapes: ReadonlyMap<string, number[]>, params: ParamSource, x: LayerInputs): void {
  const problems: string[] = [];
  for (const [name, shape] of shapes) {
    const p = params.get(name);
    const size = shape.reduce((n, d) => n * d, 1);
    if (!p) problems.push(`missing parameter '${name}'`);
    else if (p.data.length !== size) problems.push(`parameter '${name}': expected shape [${shape.join(', ')}], got [${p.shape.join(', ')}]`);
  }
  for (const name of params.keys()) if (!shapes.has(name)) problems.push(`unknown parameter '${name}'`);
  if (problems.length > 0) throw new DiffAttnError(problems[0].startsWith('missing') ? 'missing' : 'shape', `runLayer: ${problems.join('; ')}`);
  const { B, T, ropeRows } = x;
  for (const [name, v] of [['B', B], ['T', T], ['ropeRows', ropeRows]] as const) {
    check(Number.isSafeInteger(v) && v >= 1, 'value', () => `runLayer: ${name} must be a positive integer, got ${v}`);
  }
  check(ropeRows >= T, 'value', () => `runLayer: the rotary tables hold ${ropeRows} positions, fewer than T = ${T}`);
  const n = B * T * spec.dModel;
  const sizes: Array<[string, ArrayLike<number>, number]> = [
    ['x', x.x, n], ['gradY', x.gradY, n], ['cos', x.cos, ropeRows * spec.rotaryHalf], ['sin', x.sin, ropeRows * spec.rotaryHalf],
  ];
  for (const [name, a, want] of sizes) {
    check(a.length === want, 'shape', () => `runLayer: ${name} must hold ${want} values, got ${a.length}`);
  }
}
