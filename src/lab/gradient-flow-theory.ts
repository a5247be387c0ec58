/**
 * The scale analysis behind the gradient-flow experiment: the DIFF/baseline ratios of gradient
 * norms to expect at initialisation, derived before measuring (docs/gradient-flow.md).
 *
 * Setting. x ~ N(0, 1) of shape [B, T, E], upstream gradient g ~ N(0, 1) (L = Σ y ⊙ g). Every
 * projection is E → E with weights U(±1/√E), variance 1/(3E), so entries of q, k and v have
 * variance s² = E · 1/(3E) = 1/3, and so does G = ∂L/∂z = g W_O, the gradient at out_proj's
 * input. G is the same in both modules (same W_O, same g), so it cancels in every ratio. Rotary
 * embedding is a rotation and changes no norm. Write c = 1 − λinit and take λ = λinit (the λ
 * vectors' N(0, 0.1²) init moves λ by about 0.01·√(2d)).
 *
 * Maps. For a fixed query the scores q·k/√d over the t keys of its causal prefix have variance
 * σ² = s²·s² = 1/9: small, so to first order p_u = (1 + ε_u)/t with ε the centred scores, and
 *   π_t   := Σ_u p_u²            = (1 + σ²(t−1)/t) / t                 (a baseline head)
 *   π^D_t := Σ_u (p1_u − λp2_u)² = (1−λ)²/t + (1+λ²)σ²(t−1)/t²       (a differential head)
 * since the two maps of a differential head have independent weights. At deep layers the second
 * term dominates ((1−λ)² = 0.05 against (1+λ²)σ² = 0.18 at λ = 0.78): the common mode cancels
 * and what is left is the difference of the two maps' noise. A head's output row t is a weighted
 * sum of independent value rows, so its mean square is s²π_t, or s²π^D_t.
 *
 * Backward, as expected squared norms summed over rows (cross terms have mean zero: G is
 * independent across rows, the projections are independent of each other):
 * - out_proj: ‖∇W_O‖² ∝ Σ_t ‖z_t‖². Baseline: ‖z_t‖² ∝ s²π_t, which shrinks like 1/t (averaging
 *   over the prefix). DIFF: the RMSNorm (gain ones) makes every head row unit-RMS, ‖z_t‖² ∝ c²
 *   at every t. Without the norm, ∝ c²s²π^D_t.
 * - v_proj: ∂V_u = Σ_t A_tu ∂head_t. Baseline: Σ_t π_t =: Π. DIFF: backprop through RMSNorm
 *   divides by RMS(head_t) and projects out one of the 2d directions; as
 *   RMS²(head_t) = s²π^D_t · χ²_{2d}/(2d), the π^D_t of the map cancels and every row gives
 *   c²J/s², J = (2d−1)/(2d) · E[2d/χ²_{2d}] = (2d−1)/(2d−2). Without the norm, c²Σ_t π^D_t =: c²Π^D.
 * - q_proj, k_proj: ∂p_tu = ∂head_t·v_u; at near-uniform p the softmax Jacobian gives
 *   ∂s_tu = (∂p_tu − mean_u ∂p_tu)/t, and ∂q_t = Σ_u ∂s_tu k_u/√d has ‖∂q_t‖² = s²(t−1)/t² · Var ∂p.
 *   Var ∂p is d·s² in the baseline (d channels); in DIFF 2d·c²J/π^D_t with the norm (∂head_t
 *   has variance c²J/(s²π^D_t) per channel), 2d·c²s² without; map 2 carries λ². DIFF has half the
 *   heads, each with two maps, so the head counts cancel against the channel counts. k_proj is
 *   the same sum with q and k swapped, hence the same prediction. With Ψ = Σ_t (t−1)/t² and
 *   Ψ^D = Σ_t (t−1)/(t²π^D_t): baseline s⁴Ψ, DIFF (1+λ²)c²J s²Ψ^D, or (1+λ²)c²s⁴Ψ without the norm.
 * - x: ∂x = ∂Q W_Q + ∂K W_K + ∂V W_V with independent weights of equal variance, so
 *   ‖∂x‖² ∝ 2‖∂Q‖² + ‖∂V‖² in both modules (the baseline's is dominated by its V path).
 *
 * Ratios (full module): out_proj c·√(T/(s²Π)), v_proj that × √J, q/k √((1+λ²)J Ψ^D/(s²Ψ))·c.
 * Without the norm: out_proj = v_proj = c·√(Π^D/Π), q/k = c·√(1+λ²). Without (1 − λinit): the
 * full module's ratios ÷ c, exactly (the factor sits after the norm, so everything scales).
 * They depend on T, d and λinit only, not on E or B, and are the same whether the baseline's 2Hd
 * channels form 2H heads of size d or H heads of size 2d (the per-head sums are the same).
 * Since Π ≈ ln T, the full module's out_proj and v_proj ratios grow like √(T/ln T): the
 * DIFF/baseline ratio at init depends on the context length as well as on the architecture.
 */
import { check } from '../errors.js';

/** The gradients compared: w.r.t. the input and each projection's weight. */
export type GradientQuantity = 'x' | 'q_proj' | 'k_proj' | 'v_proj' | 'out_proj';

export const GRADIENT_QUANTITIES: readonly GradientQuantity[] = ['x', 'q_proj', 'k_proj', 'v_proj', 'out_proj'];

/** Which parts of equation (3), head̄ = (1 − λinit)·RMSNorm(head), a DIFF variant keeps. */
export interface HeadTail {
  /** The per-head RMSNorm (`subln`). */
  subln: boolean;
  /** The fixed multiplier (1 − λinit). */
  lambdaScale: boolean;
}

/**
 * Relative accuracy claimed for `predictGradientRatios`: a mean ratio over 20 seeds should lie
 * within a factor 1.25 of the prediction at the sizes the test uses (d = 8, T = 8 and 32). Fixed
 * before measuring, from what the analysis drops, each a few per cent there: the second-order
 * softmax term (e^{σ²} − 1 against σ², +6 % on the noise term of π^D), λ's spread around λinit
 * (≈ 3 % of (1−λ)² at λinit = 0.78), Jensen on 1/π^D_t at small t (π^D_2 is one squared
 * Gaussian), the finite width (W Wᵀ is only roughly isotropic at E = 64), and the standard error
 * of a mean over 20 seeds (std/√20, 2–4 %).
 */
export const PREDICTION_SLACK = 1.25;

/** σ_q² = σ_k² = σ_v²: entries of x W with x ~ N(0, 1) and W ~ U(±1/√E), E · 1/(3E). */
const PROJECTION_VARIANCE = 1 / 3;

/**
 * The predicted DIFF/baseline ratio of gradient norms, per quantity, for a DIFF V1 module with
 * q/k head size `headDim` at `lambdaInit`, over `seqLen` causal positions, against the matched
 * baseline (see the module comment for the derivation).
 */
export function predictGradientRatios(seqLen: number, headDim: number, lambdaInit: number,
  tail: HeadTail): Record<GradientQuantity, number> {
  check(Number.isInteger(seqLen) && seqLen >= 2, 'value', () => `predictGradientRatios: seqLen must be an integer ≥ 2, got ${seqLen}`);
  check(Number.isInteger(headDim) && headDim >= 2, 'value', () => `predictGradientRatios: headDim must be an integer ≥ 2, got ${headDim}`);
  const s2 = PROJECTION_VARIANCE;
  const scoreVar = s2 * s2;
  const lam = lambdaInit;
  const c2 = tail.lambdaScale ? (1 - lambdaInit) ** 2 : 1;
  const J = (2 * headDim - 1) / (2 * headDim - 2);

  // Π = Σ π_t, Π^D = Σ π^D_t, Ψ = Σ (t−1)/t², Ψ^D = Σ (t−1)/(t² π^D_t) over t = 1 … T.
  let Pi = 0, PiD = 0, Psi = 0, PsiD = 0;
  for (let t = 1; t <= seqLen; t++) {
    const piD = (1 - lam) ** 2 / t + (1 + lam * lam) * scoreVar * (t - 1) / (t * t);
    Pi += (1 + scoreVar * (t - 1) / t) / t;
    PiD += piD;
    Psi += (t - 1) / (t * t);
    PsiD += (t - 1) / (t * t * piD);
  }

  // Expected squared norms, in units common to both modules (‖g‖², E, Var G cancel).
  const base = { out: s2 * Pi, v: Pi, qk: s2 * s2 * Psi };
  const diff = tail.subln
    ? { out: c2 * seqLen, v: (c2 * J * seqLen) / s2, qk: (1 + lam * lam) * c2 * J * s2 * PsiD }
    : { out: c2 * s2 * PiD, v: c2 * PiD, qk: (1 + lam * lam) * c2 * s2 * s2 * Psi };
  const qk = Math.sqrt(diff.qk / base.qk);
  return {
    x: Math.sqrt((2 * diff.qk + diff.v) / (2 * base.qk + base.v)),
    q_proj: qk,
    k_proj: qk,
    v_proj: Math.sqrt(diff.v / base.v),
    out_proj: Math.sqrt(diff.out / base.out),
  };
}

/**
 * The band the full DIFF module's ratios should stay in at these sizes: from the smallest
 * predicted ratio ÷ slack to the largest × slack, over the given λinit values and all quantities.
 */
export function predictedBand(seqLen: number, headDim: number, lambdaInits: readonly number[]): { lo: number; hi: number } {
  const all = lambdaInits.flatMap((l) =>
    Object.values(predictGradientRatios(seqLen, headDim, l, { subln: true, lambdaScale: true })));
  return { lo: Math.min(...all) / PREDICTION_SLACK, hi: Math.max(...all) * PREDICTION_SLACK };
}
