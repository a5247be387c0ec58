/**
 * What the forward and backward passes share: the module, the config and limits, the planned
 * memory, each layer's attention kernels, pointer lookups by parameter name, and each layer as the
 * shared layer code sees it.
 */
import { DiffAttnError } from '../../errors.js';
import type { ModelConfig } from '../../model/config.js';
import type { Attention } from '../attention.js';
import type { LayerContext } from '../layer/attention-block.js';
import type { LayerSpec } from '../layer/layer-spec.js';
import type { WasmModule } from '../wasm.js';
import { perLayerActivations, type EngineLimits, type LayerActs, type ModelMemory } from './memory.js';

export class EngineModelState {
  // Per layer, the pointers of its parameters by short name, filled on first use: a decode step
  // looks up every layer's weights, and the names and the map lookup were 2–7 % of its host time.
  private readonly layerParams: Array<Map<string, number>> = [];

  constructor(
    readonly wasm: WasmModule,
    readonly config: ModelConfig,
    readonly limits: EngineLimits,
    readonly mem: ModelMemory,
    readonly attention: Attention[],
  ) {}

  /** Byte offset of parameter `name` (canonical name). */
  param(name: string): number {
    return this.mem.params + 4 * this.index(name).offset;
  }

  /** Byte offset of the gradient of parameter `name`. */
  grad(name: string): number {
    return this.mem.grads + 4 * this.index(name).offset;
  }

  /** The LM head's weight: its own, or the embedding when tied. */
  headWeight(): number {
    return this.param(this.config.tieEmbeddings ? 'embed.weight' : 'lm_head.weight');
  }

  headGrad(): number {
    return this.grad(this.config.tieEmbeddings ? 'embed.weight' : 'lm_head.weight');
  }

  /** Layer l's activations (one shared set when not training). */
  acts(l: number): LayerActs {
    return this.mem.acts[perLayerActivations(this.limits) ? l : 0];
  }

  /** A Float32Array view of parameter `name` (take views after memory stops growing). */
  paramView(name: string): Float32Array {
    const { offset, size } = this.index(name);
    return new Float32Array(this.wasm.memory.buffer, this.mem.params + 4 * offset, size);
  }

  /** Layer l as the shared layer code (layer/decoder.ts) sees it, for a pass over B×T tokens. */
  layer(l: number, B: number, T: number): LayerContext {
    const c = this.config, mem = this.mem;
    return {
      wasm: this.wasm, spec: this.spec(l), layout: mem.attn, attention: this.attention[l], B, T, ropeRows: this.limits.maxContext,
      mem: {
        acts: this.acts(l), temps: mem, attnOut: mem.tmp, ffnOut: mem.tmp,
        y: l + 1 < c.numLayers ? this.acts(l + 1).x : mem.xF,
        cos: mem.cos, sin: mem.sin, gemmScratch: mem.gemmScratch, attnScratch: mem.attnScratch,
      },
      param: (name) => this.layerParam(l, name),
      grad: (name) => this.grad(`layers.${l}.${name}`),
    };
  }

  // Pointer of parameter `name` of layer l (`layers.l.name`), cached: planned memory never moves.
  private layerParam(l: number, name: string): number {
    const ptrs = (this.layerParams[l] ??= new Map());
    let ptr = ptrs.get(name);
    if (ptr === undefined) {
      ptr = this.param(`layers.${l}.${name}`);
      ptrs.set(name, ptr);
    }
    return ptr;
  }

  private spec(l: number): LayerSpec {
    const c = this.config;
    return {
      attention: { kind: c.attention, numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: c.headDim, pairing: c.pairing },
      dModel: c.dModel, outProj: c.attention === 'diff_v2' ? 'o_proj' : 'out_proj', ropeStyle: c.ropeStyle, rotaryHalf: c.rotaryDim / 2,
      v1: c.attention === 'diff_v1' ? { depth: l, sublnEps: c.sublnEps, sublnAffine: c.sublnAffine } : undefined,
      decoder: { ffnHidden: c.ffnHidden, normEps: c.normEps },
    };
  }

  private index(name: string): { offset: number; size: number } {
    const i = this.mem.paramIndex.get(name);
    if (!i) throw new DiffAttnError('missing', `engine: the model has no parameter '${name}'`);
    return i;
  }
}
