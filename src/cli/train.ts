/**
 * `diffattn train`: trains paired byte-level models (DIFF V1, the matched baseline, optionally
 * DIFF V2) on Moby Dick or a text file, one arm after another on identical batches, with a
 * progress bar per arm, a JSONL log and a resumable checkpoint in one folder per arm, and a table
 * of the results.
 */
import { Option, type Command } from 'commander';
import { DiffAttnError } from '../errors.js';
import { WEIGHT_DTYPES, type WeightDType } from '../model/index.js';
import {
  ARMS, DEFAULT_TRAIN_OPTIONS, MOBY_DICK, PRESETS, resumeRun, startRun, trainOptions, type Arm, type ArmSummary, type PresetName,
  type RunSpec, type StepRecord, type TrainOptions,
} from '../train/index.js';
import { integerFlag, numberFlag } from './flags.js';
import { progress, type Progress } from './progress.js';

interface TrainFlags {
  preset?: string;
  dModel?: string; layers?: string; heads?: string; headDim?: string; ffnHidden?: string;
  steps?: string; batch?: string; microBatches?: string; context?: string; lr?: string; minLr?: string; warmup?: string;
  weightDecay?: string; maxGradNorm?: string; evalEvery?: string; evalBatches?: string; seed?: string;
  corpus?: string; valFraction?: string; arms?: string; out?: string; dtype?: WeightDType;
  resume?: string; saveEvery: string; json: boolean; quiet: boolean;
}

/** The flag of each training option (the flags' keys are the options' names). */
const OPTION_FLAGS: Partial<Record<keyof TrainOptions, string>> = {
  steps: '--steps', batch: '--batch', microBatches: '--micro-batches', context: '--context', lr: '--lr', minLr: '--min-lr',
  warmup: '--warmup', weightDecay: '--weight-decay', maxGradNorm: '--max-grad-norm', evalEvery: '--eval-every',
  evalBatches: '--eval-batches', seed: '--seed',
};

/** Flags that describe the run; a resumed run takes them from its run.json, except --steps. */
const RUN_FLAGS: Partial<Record<keyof TrainFlags, string>> = {
  preset: '--preset', dModel: '--d-model', layers: '--layers', heads: '--heads', headDim: '--head-dim', ffnHidden: '--ffn-hidden',
  ...OPTION_FLAGS, corpus: '--corpus', valFraction: '--val-fraction', arms: '--arms', out: '--out', dtype: '--dtype',
};

const DEFAULTS = { preset: 'tiny', corpus: MOBY_DICK, valFraction: '0.1', arms: 'diff,baseline', out: 'runs/train', dtype: 'F32' } as const;

/** --arms: a comma-separated list of distinct arms. */
function parseArms(v: string): Arm[] {
  const arms = v.split(',').map((s) => s.trim());
  for (const a of arms) {
    if (!(ARMS as readonly string[]).includes(a)) throw new DiffAttnError('value', `--arms: unknown arm '${a}' (expected a comma-separated list of ${ARMS.join(', ')})`);
  }
  if (new Set(arms).size !== arms.length) throw new DiffAttnError('value', `--arms: an arm is listed twice in '${v}'`);
  return arms as Arm[];
}

/** The run the flags describe (sizes from the preset, overridden field by field). */
export function runSpecFromFlags(f: TrainFlags): RunSpec {
  const presetName = f.preset ?? DEFAULTS.preset;
  if (!Object.hasOwn(PRESETS, presetName)) throw new DiffAttnError('value', `--preset: expected one of ${Object.keys(PRESETS).join(', ')}, got '${presetName}'`);
  const preset = PRESETS[presetName as PresetName];
  const sizeFlag = (key: 'dModel' | 'layers' | 'heads' | 'ffnHidden', fallback: number): number =>
    f[key] === undefined ? fallback : integerFlag(RUN_FLAGS[key]!, f[key]!, 1);
  const size = {
    dModel: sizeFlag('dModel', preset.dModel), numLayers: sizeFlag('layers', preset.numLayers), numHeads: sizeFlag('heads', preset.numHeads),
    ffnHidden: sizeFlag('ffnHidden', preset.ffnHidden), ...(f.headDim === undefined ? {} : { headDim: integerFlag('--head-dim', f.headDim, 1) }),
  };
  const partial: Partial<TrainOptions> = {};
  for (const [field, flag] of Object.entries(OPTION_FLAGS) as Array<[keyof TrainOptions, string]>) {
    const v = f[field as keyof TrainFlags];
    if (typeof v === 'string') partial[field] = numberFlag(flag, v);
  }
  const options = trainOptions(partial, (field) => OPTION_FLAGS[field] ?? `option '${field}'`);
  const vf = f.valFraction ?? DEFAULTS.valFraction;
  const valFraction = numberFlag('--val-fraction', vf, (n) => n > 0 && n < 1, 'a number in (0, 1)');
  return { corpus: f.corpus ?? DEFAULTS.corpus, valFraction, arms: parseArms(f.arms ?? DEFAULTS.arms), size, options, dtype: f.dtype ?? DEFAULTS.dtype };
}

/** Runs the command; returns the per-arm summaries (printed as a table, or as JSON with --json). */
export async function trainCommand(f: TrainFlags, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<ArmSummary[]> {
  const saveEvery = integerFlag('--save-every', f.saveEvery, 0);
  let bar: Progress | null = null;
  const hooks = {
    onArmStart: (arm: Arm, from: number, to: number) => {
      bar = progress(`train ${arm}`, to, { enabled: !f.quiet });
      bar.update(from);
    },
    onStep: (_: Arm, r: StepRecord) => bar?.update(r.step, {
      loss: r.loss.toFixed(3), ...(r.valLoss === undefined ? {} : { val: r.valLoss.toFixed(3) }), 'tok/s': r.tokensPerSec.toFixed(0),
    }),
    onArmEnd: () => bar?.stop(),
  };
  let summaries: ArmSummary[];
  if (f.resume !== undefined) {
    const changed = (Object.keys(RUN_FLAGS) as Array<keyof TrainFlags>).find((k) => k !== 'steps' && f[k] !== undefined);
    if (changed) throw new DiffAttnError('value', `${RUN_FLAGS[changed]}: cannot be given with --resume (the run's settings are in ${f.resume}/run.json); only --steps can change`);
    summaries = await resumeRun(f.resume, { steps: f.steps === undefined ? undefined : integerFlag('--steps', f.steps, 1) }, { saveEvery, hooks });
  } else {
    summaries = await startRun(f.out ?? DEFAULTS.out, runSpecFromFlags(f), { saveEvery, hooks });
  }
  out(f.json ? `${JSON.stringify({ out: f.resume ?? f.out ?? DEFAULTS.out, arms: summaries }, null, 2)}\n` : formatTable(summaries));
  return summaries;
}

function formatTable(rows: ArmSummary[]): string {
  const header = ['arm', 'attention', 'params', 'steps', 'train loss', 'val loss', 'tokens/s', 'wall', 'folder'];
  const cells = rows.map((r) => [
    r.arm, r.attention, r.parameters.toLocaleString('en-US'), String(r.steps), r.trainLoss.toFixed(4), r.valLoss === null ? '–' : r.valLoss.toFixed(4),
    r.tokensPerSec.toFixed(0), `${r.wallSeconds.toFixed(1)} s`, r.folder,
  ]);
  const width = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((s, i) => (i < 2 || i === c.length - 1 ? s.padEnd(width[i]) : s.padStart(width[i]))).join('  ').trimEnd();
  return `\n${[line(header), ...cells.map(line)].join('\n')}\n(train loss: mean of the last 10 steps; val loss: the last evaluation, nats per byte)\n`;
}

export function registerTrain(program: Command): void {
  const d = DEFAULT_TRAIN_OPTIONS;
  program
    .command('train')
    .description('train paired byte-level models (DIFF V1 vs the matched baseline, optionally V2) on the WebAssembly engine')
    .addOption(new Option('--preset <name>', `model size of DIFF V1, the other arms matched to it (default ${DEFAULTS.preset})`).choices(Object.keys(PRESETS)))
    .option('--d-model <n>', 'model width (overrides the preset)')
    .option('--layers <n>', 'decoder layers')
    .option('--heads <n>', 'DIFF V1 heads H (the baseline and V2 get 2H)')
    .option('--head-dim <n>', 'q/k head size d (default d-model / 2H)')
    .option('--ffn-hidden <n>', 'SwiGLU hidden width')
    .option('--steps <n>', `optimizer steps (default ${d.steps})`)
    .option('--batch <n>', `sequences per step (default ${d.batch})`)
    .option('--micro-batches <n>', `split each batch into this many accumulated micro-batches (default ${d.microBatches})`)
    .option('--context <n>', `tokens (bytes) per sequence (default ${d.context})`)
    .option('--lr <x>', `peak learning rate (default ${d.lr})`)
    .option('--min-lr <x>', `learning rate at the end of the cosine decay (default ${d.minLr})`)
    .option('--warmup <n>', `linear warm-up steps (default ${d.warmup})`)
    .option('--weight-decay <x>', `AdamW decoupled weight decay (default ${d.weightDecay})`)
    .option('--max-grad-norm <x>', `clip the global gradient norm (Infinity: off; default ${d.maxGradNorm})`)
    .option('--eval-every <n>', `validation loss every n steps, 0 = never (default ${d.evalEvery})`)
    .option('--eval-batches <n>', `batches per evaluation (default ${d.evalBatches})`)
    .option('--seed <n>', `seed of initialisation and data order (default ${d.seed})`)
    .option('--corpus <name|path>', `'${MOBY_DICK}' (bundled) or a text file (default ${DEFAULTS.corpus})`)
    .option('--val-fraction <x>', `share of the corpus (its end) held out for validation (default ${DEFAULTS.valFraction})`)
    .option('--arms <list>', `comma-separated arms among ${ARMS.join(', ')} (default ${DEFAULTS.arms})`)
    .option('--out <dir>', `output folder, one subfolder per arm (default ${DEFAULTS.out})`)
    .option('--resume <dir>', 'continue the run in this folder from its checkpoints (only --steps may change)')
    .addOption(new Option('--dtype <dtype>', `dtype of the saved weights (default ${DEFAULTS.dtype})`).choices(WEIGHT_DTYPES.filter((t) => t === 'F32' || t === 'F16')))
    .option('--save-every <n>', 'also checkpoint every n steps (0: only at the end)', '0')
    .option('--json', 'print the summary as JSON only', false)
    .option('--quiet', 'no progress bar', false)
    .addHelpText('after', `
Examples:
  $ diffattn train                                             # tiny DIFF + baseline on Moby Dick, a few minutes
  $ diffattn train --arms diff,baseline,v2 --steps 200 --out runs/three
  $ diffattn train --preset medium --context 256 --steps 3000 --dtype F16 --out runs/moby
  $ diffattn train --corpus my.txt --d-model 96 --layers 3 --heads 2 --micro-batches 2
  $ diffattn train --resume runs/moby --steps 4000               # continue (and extend) a run
Each arm's folder (e.g. runs/train/diff) is a model folder: diffattn generate --model runs/train/diff ...
It also holds optimizer.safetensors, trainer.json and train.jsonl (one JSON record per step).`)
    .action(async (flags: TrainFlags) => {
      await trainCommand(flags);
    });
}
