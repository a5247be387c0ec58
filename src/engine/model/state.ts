/**
 * What the forward and backward passes share: the module, the config and limits, the planned
 * memory, each layer's attention kernels, and pointer lookups by parameter name.
 */
import { DiffAttnError } from '../../errors.js';
import type { ModelConfig } from '../../model/config.js';
import { lambdaInit } from '../../ref/index.js';
import type { Attention, AttentionScalars } from '../attention.js';
import type { WasmModule } from '../wasm.js';
import type { EngineLimits, LayerActs, ModelMemory } from './memory.js';

export class EngineModelState {
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
    return this.mem.acts[this.limits.training ? l : 0];
  }

  /** A Float32Array view of parameter `name` (take views after memory stops growing). */
  paramView(name: string): Float32Array {
    const { offset, size } = this.index(name);
    return new Float32Array(this.wasm.memory.buffer, this.mem.params + 4 * offset, size);
  }

  /** The dot products λq1·λk1 and λq2·λk2 of a DIFF V1 layer, in float64 (equation (2)). */
  lambdaDots(l: number): { d1: number; d2: number } {
    const v = (n: string): Float32Array => this.paramView(`layers.${l}.attn.${n}`);
    const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i], 0);
    return { d1: dot(v('lambda_q1'), v('lambda_k1')), d2: dot(v('lambda_q2'), v('lambda_k2')) };
  }

  /** The attention kernel's scalars of layer l: λ, λinit and the per-head norm's ε for DIFF V1. */
  attentionScalars(l: number): AttentionScalars {
    if (this.config.attention !== 'diff_v1') return {};
    const { d1, d2 } = this.lambdaDots(l);
    const init = lambdaInit(l);
    return { lambda: Math.exp(d1) - Math.exp(d2) + init, lambdaInit: init, eps: this.config.sublnEps };
  }

  private index(name: string): { offset: number; size: number } {
    const i = this.mem.paramIndex.get(name);
    if (!i) throw new DiffAttnError('missing', `engine: the model has no parameter '${name}'`);
    return i;
  }
}
