/**
 * `diffattn inspect DIR`: what a model folder holds — its flavour, config, parameter count and
 * memory, weight dtypes, and λ of every differential layer (equation (2) evaluated on the weights).
 */
import type { Command } from 'commander';
import { attentionWidth, loadModelFolder, parameterCount, type LoadedModel } from '../model/index.js';
import { layerLambdas } from '../model/lambda.js';
import { lambdaInit } from '../ref/index.js';
import { formatBytes } from '../engine/plan.js';

export interface Inspection {
  folder: string;
  layout: string;
  dtypes: string[];
  config: LoadedModel['config'];
  parameters: number;
  /** Bytes of the weights as the engine holds them (float32). */
  weightBytesF32: number;
  attentionWidth: number;
  /** Per layer: λinit and λ (diff_v1 only). */
  lambda: Array<{ layer: number; lambdaInit: number; lambda: number }>;
  tokenizer: string;
}

export function inspectFolder(dir: string): Inspection {
  const m = loadModelFolder(dir);
  const c = m.config;
  const lambda = (layerLambdas(c, m.params) ?? []).map((value, l) => ({ layer: l, lambdaInit: lambdaInit(l), lambda: value }));
  const parameters = parameterCount(c);
  return {
    folder: dir, layout: m.layout, dtypes: [...m.dtypes].sort(), config: c, parameters, weightBytesF32: 4 * parameters,
    attentionWidth: attentionWidth(c), lambda, tokenizer: m.tokenizer ? `${m.tokenizer.constructor.name} (${m.tokenizer.vocabSize} ids)` : 'none',
  };
}

function format(i: Inspection): string {
  const c = i.config;
  const lines = [
    `${i.folder}: ${i.layout} folder, weights ${i.dtypes.join(', ')}, tokenizer ${i.tokenizer}`,
    `  ${c.attention}: ${c.numLayers} layers, d_model ${c.dModel}, ${c.numHeads} heads (${c.numKvHeads} KV), head dim ${c.headDim}, FFN ${c.ffnHidden}, vocab ${c.vocabSize}${c.tieEmbeddings ? ' (tied head)' : ''}`,
    `  rotary ${c.ropeStyle}, dim ${c.rotaryDim}, θ ${c.ropeTheta} (${c.ropeSchedule}); norm ε ${c.normEps}; max context ${c.maxContext}`,
    `  ${i.parameters.toLocaleString('en-US')} parameters, ${formatBytes(i.weightBytesF32)} as float32`,
  ];
  if (i.lambda.length > 0) lines.push('  layer  λinit     λ', ...i.lambda.map((l) => `  ${String(l.layer).padStart(5)}  ${l.lambdaInit.toFixed(4)}  ${l.lambda.toFixed(4)}`));
  return lines.join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show a model folder: flavour, config, parameter count and memory, dtypes, λ per layer')
    .argument('<dir>', 'model folder (config.json + model.safetensors)')
    .option('--json', 'print JSON only', false)
    .addHelpText('after', '\nExamples:\n  $ diffattn inspect models/diff-small\n  $ diffattn inspect my-diffllama --json')
    .action((dir: string, opts: { json: boolean }) => {
      const info = inspectFolder(dir);
      console.log(opts.json ? JSON.stringify(info, null, 2) : format(info));
    });
}
