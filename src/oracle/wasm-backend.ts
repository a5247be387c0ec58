/**
 * `verify --backend wasm`: the float32 WebAssembly engine, judged by the same golden cases as the
 * reference, at the float32 tolerance |impl − ref| ≤ 1e-6 + 5e-5·max|ref|.
 *
 * Module cases (every kind of both formats) run forward and backward on the kernels through
 * `runLayer`, with the case's rotary tables, parameters, x and grad_y converted to float32 (golden
 * inputs are float32-representable; the tables are rounded); intermediates are what the engine
 * computed (wasm-intermediates.ts). Model folders run on `EngineModel` (wasm-lm.ts). Each case gets
 * a WebAssembly instance of its own, since a run takes over its module's linear memory.
 */
import { runLayer } from '../engine/layer/layer-runner.js';
import type { LayerSpec } from '../engine/layer/layer-spec.js';
import { loadWasm, type LoadWasmOptions, type WasmModule } from '../engine/wasm.js';
import type { F64Tensor } from '../io/golden.js';
import { qkHeadDim, type DecoderLayerConfig } from '../ref/index.js';
import type { GoldenCase, ModuleSpec, Results } from './golden-case.js';
import type { VerifyBackend } from './verify.js';
import { f64Tensor, layerIntermediates } from './wasm-intermediates.js';
import { runLmCase } from './wasm-lm.js';

/**
 * The wasm backend. The module is loaded once here, so a missing build or a runtime without
 * WebAssembly SIMD fails before any file is read (`DiffAttnError` 'missing' / 'unsupported').
 */
export async function createWasmBackend(options: LoadWasmOptions = {}): Promise<VerifyBackend> {
  await loadWasm(options);
  const fresh = (): Promise<WasmModule> => loadWasm(options);
  return {
    name: 'wasm',
    precision: 'float32',
    run: async (c) => (c.task.type === 'lm' ? runLmCase(c, fresh) : runModuleCase(c, await fresh())),
  };
}

/** y, grad.x, grad.<canonical parameter> and the intermediates of a module case. */
function runModuleCase(c: GoldenCase, wasm: WasmModule): Results {
  if (c.task.type !== 'module') throw new TypeError('runModuleCase: not a module case');
  const { x, gradY, rope } = c.task;
  const [B, T] = x.shape;
  const { config, outProj, decoder } = asLayerConfig(c.module);
  const spec = layerSpec(config, outProj, decoder, rope.cos.shape[1]);
  // The engine names a layer's parameters as a decoder layer does; a bare module's sit under `attn.`.
  const prefix = decoder ? '' : 'attn.';
  const params = new Map([...c.params].map(([name, t]) => [prefix + name, t]));
  const run = runLayer(wasm, spec, params, {
    B, T, x: x.data, gradY: gradY.data, cos: rope.cos.data, sin: rope.sin.data, ropeRows: rope.cos.shape[0],
  });
  const out: Results = new Map<string, F64Tensor>([['y', f64Tensor([...x.shape], run.y)], ['grad.x', f64Tensor([...x.shape], run.gradX)]]);
  for (const [name, g] of run.grads) {
    const canonical = name.slice(prefix.length);
    out.set(`grad.${canonical}`, f64Tensor([...c.params.get(canonical)!.shape], g));
  }
  const gain = params.get('attn.subln.weight')?.data ?? null;
  for (const [name, t] of layerIntermediates(run, spec, B, T, gain)) out.set(name, t);
  return out;
}

/**
 * Every module spec as the attention of a decoder layer's config (one description of heads, sizes
 * and options for all of them), the name of its output projection, and whether the layer around
 * the attention (norms, FFN, residuals) is part of the case.
 */
function asLayerConfig(m: ModuleSpec): { config: DecoderLayerConfig; outProj: LayerSpec['outProj']; decoder: boolean } {
  const none = { ffnHidden: 0, depth: 0 };
  switch (m.type) {
    case 'diff_v1': {
      const { embedDim, ...rest } = m.config;
      return { config: { ...none, ...rest, attention: 'diff_v1', dModel: embedDim }, outProj: 'out_proj', decoder: false };
    }
    case 'diff_v2': {
      const { useDiff = true, ...rest } = m.config;
      // Without the difference the V2 module is a plain grouped-query attention: the baseline kernel.
      return { config: { ...none, ...rest, attention: useDiff ? 'diff_v2' : 'baseline' }, outProj: 'o_proj', decoder: false };
    }
    case 'baseline': {
      const { embedDim, ...rest } = m.config;
      return { config: { ...none, ...rest, attention: 'baseline', dModel: embedDim }, outProj: 'out_proj', decoder: false };
    }
    case 'decoder':
      return { config: m.config, outProj: m.config.attention === 'diff_v2' ? 'o_proj' : 'out_proj', decoder: true };
    case 'lm':
      throw new TypeError('asLayerConfig: a language model is not a layer');
  }
}

/** The engine's description of that layer; defaults are the reference modules'. */
function layerSpec(c: DecoderLayerConfig, outProj: LayerSpec['outProj'], decoder: boolean, rotaryHalf: number): LayerSpec {
  return {
    attention: { kind: c.attention, numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: qkHeadDim(c), pairing: c.pairing },
    dModel: c.dModel, outProj, ropeStyle: c.ropeStyle ?? 'interleaved', rotaryHalf,
    ...(c.attention === 'diff_v1' ? { v1: { depth: c.depth, sublnEps: c.sublnEps ?? 1e-5, sublnAffine: c.sublnAffine ?? true } } : {}),
    ...(decoder ? { decoder: { ffnHidden: c.ffnHidden, normEps: c.normEps ?? 1e-5 } } : {}),
  };
}
