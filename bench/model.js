/**
 * Model suite (`npm run bench -- model`): whole-model throughput of `EngineModel` at the two
 * reference configurations (bench/configs), each for DIFF V1 and for the baseline Transformer at
 * matched size (twice the heads, same head size d: the same projection shapes). Weights are the
 * reference model's seeded random initialisation; inputs are seeded random token ids.
 *
 * train-small — one step = `loss` (forward + cross-entropy) + `backward` + `step` (AdamW, gradient
 * norm clipped at 1) on B × T tokens:
 *   tokens/s = B·T ÷ step time; against the PyTorch anchor (a constant measured on this machine
 *   class, BENCHMARKS.md — not measured in this run) and against the float64 reference model
 *   (`DiffTransformerLM` loss + backward), timed on a smaller slice (configs `reference_slice`)
 *   and compared per token; its per-token cost grows a little with T (attention), so the ratio
 *   slightly flatters the reference.
 * infer-25m — prefill of `prefill_tokens`, then `decode_tokens` single-token decode steps with the
 *   KV cache (each timed call is one token; the cache is refilled to the prompt before the timed
 *   run, so the contexts are exactly prompt + 1 … prompt + decode_tokens).
 *   Decode reads every weight and the KV cache once per token:
 *     bytes/token = 4·params + 4·L·(Kw + Vw)·n̄   (Kw, Vw: k and v row widths; n̄ the mean context)
 *   and its ceiling is the DRAM bandwidth measured in this run (copy loop, read + write bytes)
 *   ÷ bytes/token; the target is ≥ `decode_target_fraction` of that ceiling.
 *
 * FLOPs (multiply–adds count 2; norms, SwiGLU, softmax, AdamW not counted):
 *   forward = 2·Pmm·B·T + L·B·2·(Qw + Ow)·T(T+1)/2
 *   training step = 3 × forward  (backward = 2 × forward; the attention's recompute not counted)
 * Pmm = the parameters used in matrix products (projections, FFN, LM head; not the embedding
 * lookup, norms or λ vectors); Qw = query width (DIFF V1: 2·H·d), Ow = attention output width
 * (DIFF V1: H·2d); T(T+1)/2 causal query–key pairs per sequence. DIFF V1 and the baseline at
 * matched size have equal FLOPs.
 */
// The shipped code, compiled (the runner imports this suite only after checking dist/ exists).
import { EngineModel } from '../dist/src/engine/index.js';
import { attentionWidth, parameterCount, parameterShapes, resolveConfig } from '../dist/src/model/index.js';
import { DiffTransformerLM, Rng } from '../dist/src/ref/index.js';
import { copyRates, MiB } from './bandwidth.js';
import { formatTable, loadConfig, measure } from './measure.js';

/** Suite name used in records and on the command line. */
export const name = 'model';

const SEED = 1;
const VARIANTS = [['DIFF V1', 'diff_v1'], ['baseline', 'baseline']];

/**
 * Runs the suite, prints its tables and returns one record per case.
 * @param {{ engine: any, quick: boolean }} ctx
 */
export async function run({ engine, quick }) {
  const train = loadConfig('train-small.json');
  const infer = loadConfig('infer-25m.json');
  const records = [];

  const trainRows = [];
  for (const [label, attention] of VARIANTS) {
    const r = await trainCase(train, label, attention, quick);
    records.push(r.record);
    trainRows.push(r.row);
  }
  console.log(formatTable(['train-small step', 'params', 'ms (median)', 'ms (min)', 'tokens/s', 'GFLOP/s',
    '× PyTorch anchor', 'float64 ref tokens/s', '× float64 ref', 'CPU ours/others'], trainRows));
  const anchor = train.anchor_pytorch;
  console.log(`B=${train.batch} T=${train.context}; PyTorch anchor ${anchor.tokens_per_s} tokens/s (${anchor.ms_per_step} ms/step): ` +
    `${anchor.note}. float64 reference timed at B=${train.reference_slice.batch} T=${train.reference_slice.context}, per token.`);

  // Measured right before the decodes it bounds, so both see the same machine load.
  const bw = await dramBandwidth(engine, quick);
  records.push(bw.record);
  const prefillRows = [];
  const decodeRows = [];
  for (const [label, attention] of VARIANTS) {
    const r = await inferCase(infer, label, attention, bw.trafficGbps, quick);
    records.push(...r.records);
    prefillRows.push(r.prefillRow);
    decodeRows.push(r.decodeRow);
  }
  console.log('\n' + formatTable(['infer-25m prefill', 'params', 'tokens', 'ms (median)', 'ms (min)', 'tokens/s', 'GFLOP/s', 'CPU ours/others'], prefillRows));
  console.log('\n' + formatTable(['infer-25m decode', 'context', 'ms/token (median)', 'tokens/s', 'MB read/token', 'GB/s read',
    'bound tokens/s', '× bound', 'CPU ours/others'], decodeRows));
  console.log(`bound = DRAM traffic ${bw.trafficGbps.toFixed(1)} GB/s (${bw.kernel}, read + write, this run, CPU ours/others ${cpu(bw.timing)}) ` +
    '÷ bytes read per token ' +
    `(all weights + the KV cache at the mean context); target × bound ≥ ${infer.decode_target_fraction}.`);
  return records;
}

// One training configuration: engine step, then the float64 reference on its slice.
async function trainCase(cfg, label, attention, quick) {
  const { batch: B, context: T } = cfg;
  const config = modelConfig(cfg, attention);
  const lm = new DiffTransformerLM(config, new Rng(SEED));
  const m = await EngineModel.create(config, { batch: B, maxContext: T, training: true });
  m.loadParams(lm.stateDict());
  const ids = randomIds(B * T, config.vocabSize, SEED + 1);
  // Position t predicts token t + 1 of its row; the last position of a row predicts nothing.
  const targets = ids.map((_, p) => (p % T === T - 1 ? -100 : ids[p + 1]));
  let loss = NaN;
  const t = await measure(`train-small ${label}`, () => {
    loss = m.loss(ids, targets, B, T);
    m.backward();
    // Clipping at 1 as training loops usually do (step() without maxGradNorm throws at the moment).
    m.step({ maxGradNorm: 1 });
  }, { timeMs: 0, iterations: quick ? 2 : 5 });
  if (!Number.isFinite(loss)) throw new Error(`train-small ${label}: the loss is ${loss}`);

  const slice = cfg.reference_slice;
  const sliceIds = ids.slice(0, slice.batch * slice.context);
  const ref = await measure(`float64 reference ${label}`, () => lm.loss(sliceIds, [slice.batch, slice.context]).backward(),
    { timeMs: 0, iterations: quick ? 1 : 3 });

  const { params, forwardFlops } = counts(config);
  const flops = 3 * forwardFlops(B, T);
  const tokensPerSec = (B * T) / (t.msMedian / 1e3);
  const refTokensPerSec = (slice.batch * slice.context) / (ref.msMedian / 1e3);
  const gflops = flops / t.msMedian / 1e6;
  const memory = m.memorySummary();
  const ratios = { xPyTorchAnchor: tokensPerSec / cfg.anchor_pytorch.tokens_per_s, xFloat64Reference: tokensPerSec / refTokensPerSec };
  console.log(`${label} train memory plan: ${formatMemory(memory)}`);
  return {
    record: {
      name: `train-small step ${label}`, shape: shapeOf(config, `B=${B} T=${T}`), msMedian: t.msMedian, msMin: t.msMin,
      samples: t.samples, cpuShare: t.cpuShare, otherCores: t.otherCores, tokensPerSec, gflops, flopsPerStep: flops, params, memory, lastLoss: loss, ratios,
      anchor: { pytorchTokensPerSec: cfg.anchor_pytorch.tokens_per_s, measuredInThisRun: false },
      float64Reference: { batch: slice.batch, context: slice.context, msMedian: ref.msMedian, tokensPerSec: refTokensPerSec },
    },
    row: [label, params.toLocaleString('en-US'), t.msMedian.toFixed(0), t.msMin.toFixed(0), tokensPerSec.toFixed(0), gflops.toFixed(1),
      ratios.xPyTorchAnchor.toFixed(2), refTokensPerSec.toFixed(1), ratios.xFloat64Reference.toFixed(0), cpu(t)],
  };
}

// One inference configuration: prefill, then decode against the bandwidth bound.
async function inferCase(cfg, label, attention, trafficGbps, quick) {
  const { prefill_tokens: P, decode_tokens: D } = cfg;
  const config = modelConfig(cfg, attention);
  const m = await EngineModel.create(config, { batch: 1, maxContext: cfg.context, training: false });
  // The float64 model is only the seeded initialisation here; let it go once loaded (≈ 200 MB).
  m.loadParams(new DiffTransformerLM(config, new Rng(SEED)).stateDict());
  const prompt = randomIds(P, config.vocabSize, SEED + 1);
  const next = randomIds(D, config.vocabSize, SEED + 2);

  const pre = await measure(`infer-25m prefill ${label}`, () => m.prefill(prompt, 1, P), { timeMs: 0, iterations: quick ? 2 : 5 });
  let i = 0;
  const dec = await measure(`infer-25m decode ${label}`, () => m.decode([next[i++]]), {
    timeMs: 0, iterations: D,
    setup: () => {
      m.prefill(prompt, 1, P);
      i = 0;
    },
  });

  const { params, forwardFlops, kvBytesPerPosition } = counts(config);
  const prefillFlops = forwardFlops(1, P);
  const meanContext = P + (D + 1) / 2;
  const bytesPerToken = 4 * params + kvBytesPerPosition * meanContext;
  const decodeTokensPerSec = 1e3 / dec.msMedian;
  const boundTokensPerSec = (trafficGbps * 1e9) / bytesPerToken;
  const xBound = decodeTokensPerSec / boundTokensPerSec;
  const memory = m.memorySummary();
  console.log(`${label} inference memory plan (context ${cfg.context}): ${formatMemory(memory)}`);
  const shape = shapeOf(config, 'B=1');
  return {
    records: [
      {
        name: `infer-25m prefill ${label}`, shape: `${shape} tokens=${P}`, msMedian: pre.msMedian, msMin: pre.msMin, samples: pre.samples,
        cpuShare: pre.cpuShare, otherCores: pre.otherCores, tokensPerSec: P / (pre.msMedian / 1e3), gflops: prefillFlops / pre.msMedian / 1e6, params, memory, ratios: {},
      },
      {
        name: `infer-25m decode ${label}`, shape: `${shape} context=${P + 1}..${P + D}`, msMedian: dec.msMedian, msMin: dec.msMin,
        samples: dec.samples, cpuShare: dec.cpuShare, otherCores: dec.otherCores, tokensPerSec: decodeTokensPerSec, bytesPerToken, gbps: bytesPerToken / dec.msMedian / 1e6,
        bandwidthTrafficGbps: trafficGbps, boundTokensPerSec, params, ratios: { xBandwidthBound: xBound },
      },
    ],
    prefillRow: [label, params.toLocaleString('en-US'), P, pre.msMedian.toFixed(0), pre.msMin.toFixed(0), (P / (pre.msMedian / 1e3)).toFixed(0),
      (prefillFlops / pre.msMedian / 1e6).toFixed(1), cpu(pre)],
    decodeRow: [label, `${P + 1}..${P + D}`, dec.msMedian.toFixed(2), decodeTokensPerSec.toFixed(1), (bytesPerToken / 1e6).toFixed(1),
      (bytesPerToken / dec.msMedian / 1e6).toFixed(1), boundTokensPerSec.toFixed(0), xBound.toFixed(2), cpu(dec)],
  };
}

// DRAM copy bandwidth as read + write bytes per second: the faster kernel, i.e. the stricter bound.
async function dramBandwidth(engine, quick) {
  const bytes = (quick ? 64 : 256) * MiB;
  const rates = await copyRates(engine, bytes, { timeMs: quick ? 300 : 1000 });
  const best = rates.reduce((a, b) => (b.trafficGbps > a.trafficGbps ? b : a));
  return {
    kernel: best.kernel, trafficGbps: best.trafficGbps, timing: best.timing,
    record: {
      name: `DRAM bandwidth for the decode bound (${best.kernel})`, shape: `${bytes} B`, msMedian: best.timing.msMedian,
      samples: best.timing.samples, cpuShare: best.timing.cpuShare, otherCores: best.timing.otherCores, gbps: best.gbps, trafficGbps: best.trafficGbps, ratios: {},
    },
  };
}

/**
 * The engine config of a reference configuration: `diff_heads` differential heads (q/k size d,
 * values 2d) or `baseline_heads` ordinary heads of size d. Throws if its parameter count strays
 * from the configuration's `params_approx` (a wrong field would silently change the workload).
 */
function modelConfig(cfg, attention) {
  const config = resolveConfig({
    attention, vocabSize: cfg.vocab, dModel: cfg.d_model, numLayers: cfg.layers, headDim: cfg.head_dim,
    numHeads: attention === 'baseline' ? cfg.baseline_heads : cfg.diff_heads, ffnHidden: cfg.ffn_hidden, maxContext: cfg.context,
  });
  const n = parameterCount(config);
  if (Math.abs(n / cfg.params_approx - 1) > 0.05) {
    throw new Error(`${cfg.name} ${attention}: ${n} parameters, expected about ${cfg.params_approx}`);
  }
  return config;
}

/**
 * Parameter count, the forward FLOP formula of the module comment, and the KV-cache bytes per
 * cached position (all layers), from the parameter shapes.
 */
function counts(config) {
  const shapes = parameterShapes(config);
  let matmul = 0;
  for (const [n, s] of shapes) {
    // The embedding is a row lookup, unless tied: then it is also the LM head's matrix.
    if (s.length === 2 && (n !== 'embed.weight' || config.tieEmbeddings)) matmul += s[0] * s[1];
  }
  const rows = (n) => shapes.get(`layers.0.attn.${n}.weight`)[0];
  const L = config.numLayers;
  const perPair = 2 * (rows('q_proj') + attentionWidth(config));
  return {
    params: parameterCount(config),
    forwardFlops: (B, T) => 2 * matmul * B * T + L * B * perPair * (T * (T + 1)) / 2,
    kvBytesPerPosition: 4 * L * (rows('k_proj') + rows('v_proj')),
  };
}

function randomIds(n, vocab, seed) {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Math.floor(rng.uniform() * vocab));
}

function shapeOf(c, batch) {
  const heads = c.attention === 'baseline' ? `H=${c.numHeads} d=${c.headDim}` : `H=${c.numHeads} d=${c.headDim} dv=${2 * c.headDim}`;
  return `${batch} E=${c.dModel} L=${c.numLayers} ${heads} F=${c.ffnHidden} V=${c.vocabSize}`;
}

// This process's CPU share and the other processes' load in cores, over one measurement.
function cpu(t) {
  return `${t.cpuShare.toFixed(2)}/${t.otherCores === null ? '–' : t.otherCores.toFixed(2)}`;
}

function formatMemory(summary) {
  const total = Object.values(summary).reduce((a, b) => a + b, 0);
  return [...Object.entries(summary).map(([k, v]) => `${k} ${(v / MiB).toFixed(1)}`), `total ${(total / MiB).toFixed(1)} MiB`].join(', ');
}
