/**
 * `EngineModel`: a language model on the float32 WebAssembly engine. Memory is planned once from
 * the config and limits (`planModelMemory`) and grown once; after that nothing is allocated per
 * token or per step. Forward and backward are the kernel sequences of forward.ts / backward.ts.
 *
 *   const m = await EngineModel.create(config, { batch: 8, maxContext: 256, training: true });
 *   m.loadParams(refModel.stateDict());
 *   const loss = m.loss(ids, targets, 8, 256); m.backward(); m.step({ lr: 1e-3 });
 *
 * Inference models (training false) hold a KV cache instead of gradients: `prefill` then `decode`.
 */
import { DiffAttnError, check } from '../../errors.js';
import { type ModelConfig } from '../../model/config.js';
import { ropeFrequencies, ropeTables } from '../../ref/index.js';
import { Arena } from '../arena.js';
import { Attention } from '../attention.js';
import type { AttentionLayout } from '../attention-desc.js';
import { IGNORE_INDEX, adamwPtr, adamwStepParams, clipGradNormPtr, sumsqPtr, xentPtr, type AdamWOptions } from '../kernels/index.js';
import { loadWasm, type LoadWasmOptions, type WasmModule } from '../wasm.js';
import { backward } from './backward.js';
import { forward } from './forward.js';
import { logitsFromQk } from '../layer/attention-logits.js';
import { mapsFromLse } from '../layer/attention-maps.js';
import { perLayerActivations, planDescriptors, planModelMemory, type EngineLimits } from './memory.js';
import { EngineModelState } from './state.js';

/** Parameter values by canonical name (a reference `stateDict()`, a loaded folder's params, …). */
export type ParamSource = ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: ArrayLike<number> }>;

export interface StepOptions extends AdamWOptions {
  /** Clip the global gradient norm to this (PyTorch's clip_grad_norm_); default no clipping. */
  maxGradNorm?: number;
}

export interface LossOptions {
  /**
   * `backward` computes the gradient of scale × the mean loss (default 1). Gradient accumulation
   * passes each micro-batch's share of the batch's counted targets, so the summed gradients are
   * those of the mean over the whole batch.
   */
  scale?: number;
}

/**
 * AdamW's state: the number of steps taken (t of the bias corrections) and the moments m and v of
 * every parameter by canonical name. Exported and loaded as is, a resumed run continues bit for bit.
 */
export interface OptimizerState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export class EngineModel {
  private readonly s: EngineModelState;
  private steps = 0;
  /** B, T of the last `loss`, which `backward` needs; null when none is pending. */
  private pending: { B: number; T: number } | null = null;
  /** Tokens in the KV cache per row (inference). */
  private cached = 0;
  private cachedBatch = 0;

  private constructor(s: EngineModelState) {
    this.s = s;
  }

  /** Plans and allocates the model's memory (one grow), writes the rotary tables; weights start at 0. */
  static async create(config: ModelConfig, limits: EngineLimits, options: LoadWasmOptions & { wasm?: WasmModule } = {}): Promise<EngineModel> {
    for (const k of ['batch', 'maxContext'] as const) {
      check(Number.isSafeInteger(limits[k]) && limits[k] > 0, 'value', () => `EngineModel: limits.${k} must be a positive integer, got ${limits[k]}`);
    }
    const wasm = options.wasm ?? await loadWasm(options);
    const arena = new Arena(wasm.memory, wasm.exports.heap_base());
    const { plan, desc } = planDescriptors(arena.top, config);
    arena.reserve(plan.end - arena.top);
    const attention = desc.map((ptr) => new Attention(wasm, { kind: config.attention, numHeads: config.numHeads, numKvHeads: config.numKvHeads, headDim: config.headDim, pairing: config.pairing }, ptr));
    const { batch: B, maxContext: T } = limits;
    const scratch = Math.max(
      attention[0].forwardScratchBytes(B, T),
      limits.training ? attention[0].backwardScratchBytes(B, T) : attention[0].decodeScratchBytes(B, T),
    );
    const mem = planModelMemory(wasm, plan, config, limits, scratch);
    plan.assertFits(`a ${config.attention} model with ${mem.numParams.toLocaleString('en-US')} parameters at batch ${B}, context ${T}${limits.training ? ' (training)' : ''}`);
    arena.alloc(plan.end - arena.top, 64);
    // The arena hands out memory as it finds it (a module may have run another model before), and
    // AdamW's moments must start at zero.
    if (limits.training) {
      new Float32Array(wasm.memory.buffer, mem.adamM, mem.numParams).fill(0);
      new Float32Array(wasm.memory.buffer, mem.adamV, mem.numParams).fill(0);
    }
    const state = new EngineModelState(wasm, config, limits, mem, attention);
    const rope = ropeTables(T, ropeFrequencies(config.rotaryDim, config.ropeTheta, config.ropeSchedule));
    const half = config.rotaryDim / 2;
    new Float32Array(wasm.memory.buffer, mem.cos, T * half).set(rope.cos.data);
    new Float32Array(wasm.memory.buffer, mem.sin, T * half).set(rope.sin.data);
    return new EngineModel(state);
  }

  get config(): ModelConfig {
    return this.s.config;
  }

  get limits(): EngineLimits {
    return this.s.limits;
  }

  /** Bytes of linear memory per purpose (weights, activations, cache, gradients, optimizer, scratch). */
  memorySummary(): Record<string, number> {
    return this.s.mem.plan.summary();
  }

  /**
   * Copies every parameter in (converted to float32). Every canonical name must be present with its
   * exact shape; all problems are reported together, each naming the parameter.
   */
  loadParams(params: ParamSource, opts: { allowUnknown?: boolean } = {}): void {
    const problems: string[] = [];
    const { paramIndex } = this.s.mem;
    const shapes = [...paramIndex.keys()];
    for (const name of shapes) {
      const p = params.get(name);
      const size = paramIndex.get(name)!.size;
      if (!p) problems.push(`missing parameter '${name}'`);
      else if (p.data.length !== size) problems.push(`parameter '${name}': expected ${size} values, got shape [${p.shape.join(', ')}]`);
      else if (!allFinite(p.data)) problems.push(`parameter '${name}' holds NaN or Inf`);
    }
    if (!opts.allowUnknown) for (const name of params.keys()) if (!paramIndex.has(name)) problems.push(`unknown key '${name}'`);
    if (problems.length > 0) {
      const first = problems[0];
      const code = first.startsWith('missing') ? 'missing' : first.startsWith('unknown') ? 'unknown' : first.endsWith('NaN or Inf') ? 'value' : 'shape';
      throw new DiffAttnError(code, `EngineModel.loadParams: ${problems.join('; ')}`);
    }
    for (const name of shapes) this.s.paramView(name).set(params.get(name)!.data);
  }

  /** Copies of every parameter (float32) by canonical name, or of the named ones only. */
  exportParams(names?: Iterable<string>): Map<string, Float32Array> {
    const wanted = names ? [...names] : [...this.s.mem.paramIndex.keys()];
    return new Map(wanted.map((n) => [n, this.s.paramView(n).slice()]));
  }

  /** A copy of AdamW's state (training models). */
  exportOptimizerState(): OptimizerState {
    this.requireTraining('exportOptimizerState');
    const { mem } = this.s;
    return { step: this.steps, m: this.perParam(mem.adamM), v: this.perParam(mem.adamV) };
  }

  /**
   * Restores AdamW's state (from `exportOptimizerState` or a checkpoint). Every parameter's m and v
   * must be present with its exact size and finite; all problems are reported together.
   */
  loadOptimizerState(state: OptimizerState): void {
    this.requireTraining('loadOptimizerState');
    check(Number.isSafeInteger(state.step) && state.step >= 0, 'value', () =>
      `EngineModel.loadOptimizerState: step must be an integer ≥ 0, got ${state.step}`);
    const { mem, wasm } = this.s;
    const problems: string[] = [];
    for (const [which, moments] of [['m', state.m], ['v', state.v]] as const) {
      for (const [name, { size }] of mem.paramIndex) {
        const x = moments.get(name);
        if (!x) problems.push(`missing ${which} of '${name}'`);
        else if (x.length !== size) problems.push(`${which} of '${name}': expected ${size} values, got ${x.length}`);
        else if (!allFinite(x)) problems.push(`${which} of '${name}' holds NaN or Inf`);
      }
      for (const name of moments.keys()) if (!mem.paramIndex.has(name)) problems.push(`${which} of unknown parameter '${name}'`);
    }
    if (problems.length > 0) throw new DiffAttnError(problems[0].startsWith('missing') ? 'missing' : 'value', `EngineModel.loadOptimizerState: ${problems.join('; ')}`);
    for (const [base, moments] of [[mem.adamM, state.m], [mem.adamV, state.v]] as const) {
      for (const [name, { offset, size }] of mem.paramIndex) new Float32Array(wasm.memory.buffer, base + 4 * offset, size).set(moments.get(name)!);
    }
    this.steps = state.step;
  }

  /** Copies of every parameter's gradient after `backward` (training models). */
  exportGrads(): Map<string, Float32Array> {
    this.requireTraining('exportGrads');
    return this.perParam(this.s.mem.grads);
  }

  /**
   * The residual stream of the last `forward`, `loss` or `prefill` over B×T tokens (models that
   * keep every layer's activations: training, or `keepActivations`): the input of each layer, then
   * the final norm's output, as Hugging Face's `output_hidden_states`. → L + 1 copies of [B, T, C]
   */
  hiddenStates(B: number, T: number): Float32Array[] {
    this.requireActivations('hiddenStates', B, T);
    const { wasm, mem } = this.s;
    const n = B * T * this.config.dModel;
    const copy = (ptr: number): Float32Array => new Float32Array(wasm.memory.buffer, ptr, n).slice();
    return [...Array.from({ length: this.config.numLayers }, (_, l) => copy(this.s.acts(l).x)), copy(mem.nF)];
  }

  /**
   * Layer l's softmax maps from the last `forward`, `loss` or `prefill` over B×T tokens, rebuilt
   * from the kernels' saved log-sum-exps (the fused kernels never store them), in float64.
   * → [B, Hq, T, T]; for DIFF V1 and V2, query heads 2i and 2i+1 are the two maps of head i.
   */
  attentionMaps(l: number, B: number, T: number): Float64Array {
    const { q, k, lse, L } = this.attentionInputs('attentionMaps', l, B, T);
    return mapsFromLse(q, k, lse, L, B, T);
  }

  /**
   * Layer l's pre-softmax logits q·k/√d (q, k after rotary) from the last `forward`, `loss` or
   * `prefill` over B×T tokens, in float64 from the float32 activations; masked entries (key after
   * query) are −∞, so a row's softmax is `attentionMaps`' row and its maximum is the top-1 logit.
   * → [B, Hq, T, T], heads as in `attentionMaps`.
   */
  attentionLogits(l: number, B: number, T: number): Float64Array {
    const { q, k, L } = this.attentionInputs('attentionLogits', l, B, T);
    return logitsFromQk(q, k, L, B, T);
  }

  // Layer l's saved q, k (after rotary) and log-sum-exps, as views, for the two accessors above.
  private attentionInputs(op: string, l: number, B: number, T: number): { q: Float32Array; k: Float32Array; lse: Float32Array; L: AttentionLayout } {
    this.requireActivations(op, B, T);
    check(Number.isInteger(l) && l >= 0 && l < this.config.numLayers, 'value', () =>
      `EngineModel.${op}: layer must be in [0, ${this.config.numLayers}), got ${l}`);
    const { wasm, mem } = this.s;
    const L = mem.attn, a = this.s.acts(l), N = B * T;
    const f32 = (ptr: number, n: number): Float32Array => new Float32Array(wasm.memory.buffer, ptr, n);
    return { q: f32(a.q, N * L.Hq * L.d), k: f32(a.k, N * L.Hk * L.d), lse: f32(a.lse, N * L.Hq), L };
  }

  /** Logits of every position. ids: [B, T] → [B, T, V] (a copy). */
  forward(ids: ArrayLike<number>, B: number, T: number): Float32Array {
    this.setIds(ids, B, T);
    forward(this.s, { kind: 'sequence', B, T, fillCache: false });
    this.pending = null;
    return this.logits(B * T);
  }

  /**
   * Mean cross-entropy of `targets` (−100 ignored) under the logits of `ids`, and keeps what
   * `backward` needs (the gradient of `opts.scale` × this mean). ids, targets: [B, T].
   */
  loss(ids: ArrayLike<number>, targets: ArrayLike<number>, B: number, T: number, opts: LossOptions = {}): number {
    this.requireTraining('loss');
    const scale = opts.scale ?? 1;
    check(Number.isFinite(scale) && scale > 0, 'value', () => `EngineModel.loss: opts.scale must be a finite number > 0, got ${scale}`);
    this.setIds(ids, B, T);
    const N = B * T, V = this.config.vocabSize;
    check(targets.length === N, 'shape', () => `EngineModel.loss: targets must hold B·T = ${N} values, got ${targets.length}`);
    let count = 0;
    const t = new Int32Array(this.s.wasm.memory.buffer, this.s.mem.targets, N);
    for (let i = 0; i < N; i++) {
      const v = targets[i];
      check(v === IGNORE_INDEX || (Number.isInteger(v) && v >= 0 && v < V), 'value', () =>
        `EngineModel.loss: target ${v} at position ${i} is outside [0, ${V}) and is not the ignore index ${IGNORE_INDEX}`);
      t[i] = v;
      if (v !== IGNORE_INDEX) count++;
    }
    check(count > 0, 'value', () => 'EngineModel.loss: every target is the ignore index');
    forward(this.s, { kind: 'sequence', B, T, fillCache: false });
    const { mem, wasm } = this.s;
    xentPtr(wasm, mem.logits, mem.targets, mem.losses, mem.logits, N, V, scale / count);
    this.pending = { B, T };
    const losses = new Float32Array(wasm.memory.buffer, mem.losses, N);
    let sum = 0;
    for (let i = 0; i < N; i++) sum += losses[i];
    return sum / count;
  }

  /**
   * Gradients of the last `loss` into the gradient block. `accumulate` adds to the gradients
   * already there (micro-batches) instead of starting from zero.
   */
  backward(opts: { accumulate?: boolean } = {}): void {
    this.requireTraining('backward');
    if (!this.pending) throw new DiffAttnError('value', 'EngineModel.backward: call loss() first (backward consumes the gradients it leaves)');
    const { mem, wasm } = this.s;
    if (!opts.accumulate) new Float32Array(wasm.memory.buffer, mem.grads, mem.numParams).fill(0);
    backward(this.s, this.pending.B, this.pending.T);
    this.pending = null;
  }

  /** One AdamW step over every parameter; returns the global gradient norm before clipping. */
  step(opts: StepOptions = {}): { gradNorm: number } {
    this.requireTraining('step');
    const { mem, wasm } = this.s;
    const gradNorm = opts.maxGradNorm === undefined
      ? Math.sqrt(sumsqPtr(wasm, mem.grads, mem.numParams))
      : clipGradNormPtr(wasm, [{ ptr: mem.grads, n: mem.numParams }], opts.maxGradNorm);
    adamwPtr(wasm, mem.params, mem.grads, mem.adamM, mem.adamV, mem.numParams, adamwStepParams(++this.steps, opts));
    return { gradNorm };
  }

  /** Runs the prompt, fills the KV cache; logits of each row's last position. ids: [B, T] → [B, V]. */
  prefill(ids: ArrayLike<number>, B: number, T: number): Float32Array {
    this.requireInference('prefill');
    this.setIds(ids, B, T);
    forward(this.s, { kind: 'sequence', B, T, fillCache: true });
    this.cached = T;
    this.cachedBatch = B;
    const V = this.config.vocabSize;
    const all = new Float32Array(this.s.wasm.memory.buffer, this.s.mem.logits, B * T * V);
    const last = new Float32Array(B * V);
    for (let b = 0; b < B; b++) last.set(all.subarray(((b + 1) * T - 1) * V, (b + 1) * T * V), b * V);
    return last;
  }

  /** Appends one token per row at the next position; its logits. tokens: [B] → [B, V]. */
  decode(tokens: ArrayLike<number>): Float32Array {
    this.requireInference('decode');
    const B = this.cachedBatch;
    check(B > 0, 'value', () => 'EngineModel.decode: call prefill() first');
    check(this.cached < this.limits.maxContext, 'value', () =>
      `EngineModel.decode: the context is full (${this.cached} of maxContext ${this.limits.maxContext} positions); it is not truncated silently`);
    this.setIds(tokens, B, 1);
    forward(this.s, { kind: 'decode', B, pos: this.cached });
    this.cached++;
    return this.logits(B);
  }

  /** Positions held in the KV cache. */
  get cachedTokens(): number {
    return this.cached;
  }

  // One buffer of numParams floats (gradients, m or v) → copies per parameter.
  private perParam(base: number): Map<string, Float32Array> {
    return new Map([...this.s.mem.paramIndex].map(([n, { offset, size }]) =>
      [n, new Float32Array(this.s.wasm.memory.buffer, base + 4 * offset, size).slice()]));
  }

  private logits(rows: number): Float32Array {
    return new Float32Array(this.s.wasm.memory.buffer, this.s.mem.logits, rows * this.config.vocabSize).slice();
  }

  private setIds(ids: ArrayLike<number>, B: number, T: number): void {
    const { batch, maxContext } = this.limits;
    check(Number.isInteger(B) && B >= 1 && B <= batch, 'value', () => `EngineModel: batch B must be in [1, ${batch}] (the planned batch), got ${B}`);
    check(Number.isInteger(T) && T >= 1 && T <= maxContext, 'value', () =>
      `EngineModel: sequence length T must be in [1, ${maxContext}] (the planned maxContext), got ${T}`);
    check(ids.length === B * T, 'shape', () => `EngineModel: expected B·T = ${B * T} token ids, got ${ids.length}`);
    const V = this.config.vocabSize;
    const dst = new Int32Array(this.s.wasm.memory.buffer, this.s.mem.ids, B * T);
    for (let i = 0; i < B * T; i++) {
      const v = ids[i];
      check(Number.isInteger(v) && v >= 0 && v < V, 'value', () => `EngineModel: token id ${v} at position ${i} is outside the vocabulary [0, ${V})`);
      dst[i] = v;
    }
  }

  private requireTraining(op: string): void {
    check(this.limits.training, 'unsupported', () => `EngineModel.${op}: this model was created for inference (limits.training = false)`);
  }

  private requireActivations(op: string, B: number, T: number): void {
    check(perLayerActivations(this.limits), 'unsupported', () =>
      `EngineModel.${op}: this inference model shares one activation set across layers; create it with limits.keepActivations = true`);
    check(Number.isInteger(B) && B >= 1 && B <= this.limits.batch && Number.isInteger(T) && T >= 1 && T <= this.limits.maxContext, 'value', () =>
      `EngineModel.${op}: B and T must be those of the last forward (within batch ${this.limits.batch}, maxContext ${this.limits.maxContext}), got ${B}, ${T}`);
  }

  private requireInference(op: string): void {
    check(!this.limits.training, 'unsupported', () => `EngineModel.${op}: this model was created for training; create one with limits.training = false for the KV cache`);
  }
}

// NaN and ±Inf are the values whose difference with themselves is not 0; a plain loop, because this
// runs over every weight of a model.
function allFinite(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] - data[i] !== 0) return false;
  return true;
}
