/**
 * The scratch layout of the prefill kernels: one output head's packed keys/values and one query
 * block's working set, carved out of the host-provided scratch (kernels never allocate).
 * Everything is linear in T: the largest pieces are the key panels and the score buffers.
 *
 *   region      forward              backward             holds
 *   kPanels     M × [tp/2, d, 2]     M × [tp/2, d, 2]     the head's keys in 2-key panels (A of scores)
 *   kChans      –                    M × [d4/2, tp, 2]    keys in 2-channel panels (A of dQ)
 *   vChans      G × [dv4/2, tp, 2]   G × [dv4/2, tp, 2]   values in 2-channel panels (A of P·V)
 *   vPanels     –                    G × [tp/2, dv, 2]    values in 2-key panels (A of G)
 *   qT          M × [d, BR]          M × [d, BR]          the block's queries, transposed, × log₂e/√d
 *   qRows       –                    [BR, d16]            one map's queries as rows (B of dK)
 *   s           M × [tp, BR]         M × [tp, BR]         scores → maps A_m → (backward) dS_m
 *   p           –                    [tp, BR]             P = Σ c_m A_m of one value group
 *   g           –                    [tp, BR]             Gᵀ = (dO Vᵀ)ᵀ
 *   rowsT       –                    [BR, tp]             dS or P transposed (A of dK, dV)
 *   oT          [dv4, BR]            [dv4, BR]            Oᵀ, the block's head output before the epilogue
 *   dOT         –                    [dv4, BR]            dOᵀ (B of G)
 *   dORows      –                    [BR, dv16]           dO as rows (B of dV)
 *   dqT         –                    [d4, BR]             dQᵀ of one map
 *   stats       NSTAT × 2 × [BR]     NSTAT × 2 × [BR]     per-row vectors (see the STAT_ slots)
 *   edge        [4, 8]               [4, 8]               partial tiles of dK, dV
 *   dgain       –                    f64 [dv8]            d(gain) accumulators (V1)
 *
 * tp = T rounded up to 4 (the softmax passes take keys four at a time), d4/dv4 rounded up to 4,
 * d16/dv16 to the tile's 16 lanes (`rowWidth`), dv8 to 8;
 * G = the most value groups any output head has (1, or 2 when some head's maps read two value
 * heads, see `sharedValues`).
 */
import { AttnDesc, mapsOf, sharedValues } from './attention-desc';
import { EDGE_BYTES, TL } from './attention-tile';

/** Query rows per block: the lanes of every score buffer (a multiple of the tile's 8 lanes). */
export const BR: i32 = 32;

/** Per-row vectors, [BR] each, one per map. */
export const STAT_SUB: i32 = 0; // forward: row max (base 2); backward: log-sum-exp (base 2)
export const STAT_SUM: i32 = 1; // forward: softmax denominator
export const STAT_COEF: i32 = 2; // c_m: 1, −λ or −σ_t
export const STAT_WEIGHT: i32 = 3; // forward: c_m / denominator
export const STAT_R: i32 = 4; // backward: R_m = Σ_u G ⊙ A_m
const NSTAT: i32 = 5;

@unmanaged
export class Work {
  kPanels: usize;
  kChans: usize;
  vChans: usize;
  vPanels: usize;
  rowsT: usize;
  qT: usize;
  qRows: usize;
  s: usize;
  p: usize;
  g: usize;
  oT: usize;
  dOT: usize;
  dORows: usize;
  dqT: usize;
  stats: usize;
  edge: usize;
  dgain: usize;
  /** Bytes of one score buffer, [tp, BR]. */
  sBytes: usize;
  /** Bytes of one packed query row block, [BR, d16]. */
  qRowBytes: usize;
  /** Row stride (bytes) of score-like buffers transposed to rows: tp·4. */
  rowsLd: usize;
}

/**
 * The operands of one kernel call (token-major activations and their gradients), parked in the
 * scratch header so the block functions take one pointer instead of twelve. Unused ones are 0.
 */
@unmanaged
export class Operands {
  q: usize;
  k: usize;
  v: usize;
  /** Forward: the output; backward: its gradient dy. */
  out: usize;
  lse: usize;
  rstd: usize;
  dq: usize;
  dk: usize;
  dv: usize;
  /** Backward: dλ (V1, [1]) or dσ (V2, [B·T, H]). */
  dcoef: usize;
  dgain: usize;
}

// The scratch starts with the Work header (128 bytes) and the Operands (64 bytes).
const OPERANDS_AT: usize = 128;
const HEADER: i32 = 192;

/** The operand block of a planned scratch. */
@inline
export function operandsOf(w: Work): Operands {
  return changetype<Operands>(changetype<usize>(w) + OPERANDS_AT);
}

/** Scratch bytes for the forward (backward = false) or backward kernel of this layer. */
export function workBytes(desc: AttnDesc, backward: bool): i32 {
  return <i32>layout(desc, 0, backward);
}

/** Lays the regions out from `scratch` (16-byte aligned) and returns the header that names them. */
export function planWork(desc: AttnDesc, scratch: usize, backward: bool): Work {
  layout(desc, scratch, backward);
  return changetype<Work>(scratch);
}

/** Floats per row of a row-major B operand of the tile (qRows, dORows): n rounded up to TL. */
@inline
export function rowWidth(n: i32): i32 {
  return (n + TL - 1) & ~(TL - 1);
}

/** The per-row vector `slot` of map m. → [BR] floats */
@inline
export function stat(w: Work, slot: i32, m: i32): usize {
  return w.stats + (<usize>((slot * 2 + m) * BR) << 2);
}

/** The key panels of map m. → [tp/2, d, 2] */
@inline
export function keyPanel(w: Work, desc: AttnDesc, m: i32): usize {
  return w.kPanels + <usize>m * (<usize>(round4(<usize>desc.T) * <usize>desc.d) << 2);
}

/** The value panels of value group g (backward). → [tp/2, dv, 2] */
@inline
export function valuePanel(w: Work, desc: AttnDesc, g: i32): usize {
  return w.vPanels + <usize>g * (<usize>(round4(<usize>desc.T) * <usize>desc.dv) << 2);
}

/** The keys of map m in 2-channel panels (backward). → [d4/2, tp, 2] */
@inline
export function keyChannels(w: Work, desc: AttnDesc, m: i32): usize {
  return w.kChans + <usize>m * (round4(<usize>desc.T) * round4(<usize>desc.d) << 2);
}

/** The values of value group g in 2-channel panels. → [dv4/2, tp, 2] */
@inline
export function valueChannels(w: Work, desc: AttnDesc, g: i32): usize {
  return w.vChans + <usize>g * (round4(<usize>desc.T) * round4(<usize>desc.dv) << 2);
}

// Walks the regions in order; with base ≠ 0 it also records them in the header at base.
// Returns the end (the size when base = 0).
function layout(desc: AttnDesc, base: usize, backward: bool): usize {
  const M = <usize>mapsOf(desc);
  const d = <usize>desc.d;
  const dv = <usize>desc.dv;
  const tp = round4(<usize>desc.T);
  const rowBlock = <usize>BR << 2;
  const sBytes = tp * rowBlock;
  const qRowBytes = <usize>BR * <usize>rowWidth(<i32>d) * 4;
  const bw: usize = backward ? 1 : 0;
  const G = <usize>maxValueGroups(desc);
  let at = base + HEADER;
  const kPanels = at; at += M * tp * d * 4;
  const kChans = at; at += bw * M * tp * round4(d) * 4;
  const vChans = at; at += G * tp * round4(dv) * 4;
  const vPanels = at; at += bw * G * tp * dv * 4;
  const rowsT = at; at += bw * sBytes;
  const qT = at; at += M * d * rowBlock;
  const qRows = at; at += bw * qRowBytes;
  const s = at; at += M * sBytes;
  const p = at; at += bw * sBytes;
  const g = at; at += bw * sBytes;
  const oT = at; at += round4(dv) * rowBlock;
  const dOT = at; at += bw * round4(dv) * rowBlock;
  const dORows = at; at += bw * <usize>BR * <usize>rowWidth(<i32>dv) * 4;
  const dqT = at; at += bw * round4(d) * rowBlock;
  const stats = at; at += <usize>(NSTAT * 2) * rowBlock;
  const edge = at; at += <usize>EDGE_BYTES;
  const dgain = at; at += bw * round8(dv) * 8;
  at = (at + 15) & ~(<usize>15);
  if (base != 0) {
    const w = changetype<Work>(base);
    w.kPanels = kPanels;
    w.kChans = kChans;
    w.vChans = vChans;
    w.vPanels = vPanels;
    w.rowsT = rowsT;
    w.qT = qT;
    w.qRows = qRows;
    w.s = s;
    w.p = p;
    w.g = g;
    w.oT = oT;
    w.dOT = dOT;
    w.dORows = dORows;
    w.dqT = dqT;
    w.stats = stats;
    w.edge = edge;
    w.dgain = dgain;
    w.sBytes = sBytes;
    w.qRowBytes = qRowBytes;
    w.rowsLd = tp << 2;
  }
  return at - base;
}

// 2 when some output head's maps multiply two different value heads, else 1.
function maxValueGroups(desc: AttnDesc): i32 {
  if (mapsOf(desc) == 1) return 1;
  for (let i = 0; i < desc.H; i++) if (!sharedValues(desc, i)) return 2;
  return 1;
}

@inline
function round4(x: usize): usize {
  return (x + 3) & ~(<usize>3);
}

@inline
function round8(x: usize): usize {
  return (x + 7) & ~(<usize>7);
}
