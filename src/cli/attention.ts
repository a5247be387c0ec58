/**
 * `diffattn attention --model DIR --prompt TEXT --layer L --head H [--out FILE.svg] [--json]`: the
 * two softmax maps of a differential head and their difference map1 − λ·map2 (issue 4), as an SVG
 * of three heatmaps and as a compact terminal rendering; `--json` prints the numbers instead.
 */
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { DiffAttnError, check } from '../errors.js';
import { checkIds, loadModelFolder, type LoadedModel } from '../model/index.js';
import { heatmapsSvg, type HeatmapPanel } from '../plot/index.js';
import { attentionView, type AttentionView } from './attention-view.js';
import { integerFlag, numberFlag } from './flags.js';
import { progress } from './progress.js';
import { termHeatmap } from './term-heatmap.js';
import { tokenLabels } from './token-labels.js';

interface AttentionFlags {
  model: string;
  prompt?: string;
  promptIds?: string;
  layer: string;
  head: string;
  out?: string;
  json: boolean;
  width?: string;
}

/** Where the command writes and what the terminal can show. */
export interface AttentionOutput {
  write(s: string): void;
  /** Terminal width in columns. */
  columns: number;
  /** 256-colour output. */
  color: boolean;
}

const defaultOutput = (): AttentionOutput => ({
  write: (s) => void process.stdout.write(s),
  // A pseudo-terminal may report 0 columns.
  columns: process.stdout.columns || 80,
  color: (process.stdout.isTTY ?? false) && !process.env.NO_COLOR,
});

/** Prompts longer than this show a progress bar while the SVG is drawn. */
const SLOW_SVG_TOKENS = 96;

/** Runs the command; returns what it showed. */
export async function attentionCommand(flags: AttentionFlags, io: AttentionOutput = defaultOutput()): Promise<AttentionView> {
  const model = loadModelFolder(flags.model);
  const ids = promptIds(model, flags);
  const layer = integerFlag('--layer', flags.layer), head = integerFlag('--head', flags.head);
  // Rendering grows as T²: a few seconds for three panels at T = 256, under a second below T ≈ 100.
  const bar = progress('attention', 2, { enabled: flags.out !== undefined && ids.length > SLOW_SVG_TOKENS });
  const view = await attentionView(model, ids, layer, head);
  const tokens = tokenLabels(ids, model.tokenizer);
  const name = basename(resolve(flags.model));
  if (flags.out !== undefined) {
    bar.update(1, { stage: `drawing ${view.diff ? 3 : 1} × ${((ids.length * (ids.length + 1)) / 2).toLocaleString('en-US')} cells` });
    const svg = await attentionSvg(view, tokens, name);
    bar.update(2, { stage: 'done' });
    bar.stop();
    try {
      writeFileSync(flags.out, svg);
    } catch (e) {
      throw new DiffAttnError('missing', `--out: cannot write ${flags.out}: ${(e as Error).message}`);
    }
  }
  if (flags.json) {
    io.write(JSON.stringify(toJson(view, tokens, name)) + '\n');
    return view;
  }
  const width = flags.width === undefined ? io.columns : integerFlag('--width', flags.width, 20);
  const T = ids.length;
  const term = (title: string, values: Float64Array, signed: boolean): string =>
    termHeatmap(values, T, { title, labels: tokens, width, color: io.color, signed });
  io.write(`${name}: ${view.kind}, layer ${view.layer}, head ${view.head}, ${T} tokens${view.lambda === null ? '' : `, ${lambdaText(view.lambda)}`}\n\n`);
  if (view.diff) {
    io.write(term('map 1 (query rows, key columns)', view.map1, false) + '\n');
    io.write(term(`difference map1 − λ·map2`, view.diff, true));
  } else {
    io.write(term('attention map (query rows, key columns)', view.map1, false));
  }
  if (flags.out !== undefined) io.write(`\nwrote ${flags.out}\n`);
  return view;
}

// The prompt's ids: encoded text (needs the folder's tokenizer) or explicit ids, non-empty, in
// the vocabulary and within the model's context.
function promptIds(model: LoadedModel, flags: AttentionFlags): number[] {
  check((flags.prompt === undefined) !== (flags.promptIds === undefined), 'value', () => '--prompt or --prompt-ids: give exactly one');
  let ids: number[];
  if (flags.prompt !== undefined) {
    check(model.tokenizer !== null, 'missing', () => `--prompt: ${flags.model} has no tokenizer; give token ids with --prompt-ids`);
    check(flags.prompt !== '', 'value', () => '--prompt: expected a non-empty text, got an empty one');
    ids = model.tokenizer.encode(flags.prompt);
  } else {
    ids = flags.promptIds!.split(',').map((s) => numberFlag('--prompt-ids', s, Number.isInteger, 'comma-separated integers'));
  }
  const flag = flags.prompt !== undefined ? '--prompt' : '--prompt-ids';
  check(ids.length > 0, 'value', () => `${flag}: the prompt encodes to no tokens`);
  check(ids.length <= model.config.maxContext, 'value', () =>
    `${flag}: ${ids.length} tokens, more than the model's maxContext ${model.config.maxContext}`);
  checkIds(ids, model.config.vocabSize, flag);
  return ids;
}

function lambdaText(lambda: number | number[]): string {
  if (typeof lambda === 'number') return `λ = ${lambda.toFixed(4)}`;
  return `λ_t per query token in [${Math.min(...lambda).toFixed(4)}, ${Math.max(...lambda).toFixed(4)}]`;
}

/** Three panels (map 1, map 2, difference on a diverging scale), or one for a baseline head. */
export function attentionSvg(view: AttentionView, tokens: string[], name: string): Promise<string> {
  const T = view.ids.length;
  const panel = (title: string, values: Float64Array, diverging = false): HeatmapPanel =>
    ({ title, values, rows: T, cols: T, rowLabels: tokens, colLabels: tokens, diverging, zero: true, causal: true });
  const panels = view.diff
    ? [panel('map 1: softmax(Q₁K₁ᵀ/√d)', view.map1), panel('map 2: softmax(Q₂K₂ᵀ/√d)', view.map2!), panel('map 1 − λ·map 2', view.diff, true)]
    : [panel('softmax(QKᵀ/√d)', view.map1)];
  return heatmapsSvg(panels, {
    title: `${name}: layer ${view.layer}, head ${view.head}${view.lambda === null ? '' : `, ${lambdaText(view.lambda)}`}`,
    subtitle: `${view.kind}, ${T} tokens; rows are queries, columns keys`,
    xLabel: 'key', yLabel: 'query',
  });
}

function toJson(view: AttentionView, tokens: string[], name: string): object {
  const T = view.ids.length;
  const rows = (m: Float64Array | null): number[][] | null => m && Array.from({ length: T }, (_, t) => Array.from(m.subarray(t * T, (t + 1) * T)));
  return {
    model: name, kind: view.kind, layer: view.layer, head: view.head, lambda: view.lambda, ids: view.ids, tokens,
    map1: rows(view.map1), map2: rows(view.map2), diff: rows(view.diff),
  };
}

export function registerAttention(program: Command): void {
  program
    .command('attention')
    .description('show a head\'s two softmax maps and their difference map1 − λ·map2 (SVG heatmaps and the terminal)')
    .requiredOption('--model <dir>', 'model folder (config.json + model.safetensors + tokenizer)')
    .option('--prompt <text>', 'prompt text (needs a tokenizer)')
    .option('--prompt-ids <ids>', 'prompt as comma-separated token ids (for folders without a tokenizer)')
    .option('--layer <l>', 'layer, from 0', '0')
    .option('--head <h>', 'differential head (a plain head for a baseline model), from 0', '0')
    .option('--out <file.svg>', 'write the heatmaps as SVG: map 1, map 2 and their difference')
    .option('--width <cols>', 'terminal columns to fit (default: the terminal\'s width, or 80)')
    .option('--json', 'print one JSON object only: layer, head, lambda, tokens, map1, map2, diff (T×T nested arrays)', false)
    .addHelpText('after', `
Examples:
  $ diffattn attention --model models/moby-diff --prompt "Call me Ishmael." --layer 1 --head 0 --out head.svg
  $ diffattn attention --model models/moby-diff --prompt "the whale" --layer 0 --head 1 --json > head.json
  $ diffattn attention --model test/fixtures/golden/diffllama/models/diffllama_tiny_tied --prompt-ids 1,5,9,12 --layer 1
DIFF V1: λ is one number per layer (equation (2)); DIFF V2: λ_t = σ(Wλ·x_t) for each query token, so row t
of the difference is map1[t] − λ_t·map2[t]. Baseline models have one map per head and no difference.
On a colour terminal the maps are drawn with 256-colour backgrounds, elsewhere with shade characters;
when the prompt is wider than the terminal only its last tokens are drawn (the SVG and JSON hold all).`)
    .action(async (flags: AttentionFlags) => {
      await attentionCommand(flags);
    });
}
