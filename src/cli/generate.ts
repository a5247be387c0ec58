/**
 * `diffattn generate --model DIR --prompt TEXT [sampling flags] [--json]`: loads a model folder
 * onto the WebAssembly engine and streams a continuation to the terminal (prefill, then KV-cache
 * decode), ending with the prefill and decode speeds.
 */
import { Option, type Command } from 'commander';
import { DiffAttnError } from '../errors.js';
import { streamOnEngine, type EngineGeneration } from '../engine/generate.js';
import { EngineModel } from '../engine/model/engine-model.js';
import { loadModelFolder } from '../model/index.js';
import { integerFlag, numberFlag } from './flags.js';

interface GenerateFlags {
  model: string;
  prompt?: string;
  promptIds?: string;
  maxTokens: string;
  temperature: string;
  topK?: string;
  topP: string;
  repetitionPenalty: string;
  seed: string;
  stop: string[];
  json: boolean;
}


/** Runs the command; returns the generation (the CLI prints as it streams). */
export async function generateCommand(flags: GenerateFlags, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<EngineGeneration> {
  const loaded = loadModelFolder(flags.model);
  if ((flags.prompt === undefined) === (flags.promptIds === undefined)) {
    throw new DiffAttnError('value', '--prompt or --prompt-ids: give exactly one');
  }
  const prompt = flags.prompt ?? flags.promptIds!.split(',').map((s) => numberFlag('--prompt-ids', s, Number.isInteger, 'comma-separated integers'));
  const maxTokens = integerFlag('--max-tokens', flags.maxTokens, 0);
  const options = {
    maxTokens, seed: integerFlag('--seed', flags.seed),
    temperature: numberFlag('--temperature', flags.temperature, (n) => n >= 0, 'a number ≥ 0 (0 is greedy)'),
    topK: flags.topK === undefined ? undefined : numberFlag('--top-k', flags.topK, (n) => Number.isInteger(n) && n >= 1, 'an integer ≥ 1'),
    topP: numberFlag('--top-p', flags.topP, (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    repetitionPenalty: numberFlag('--repetition-penalty', flags.repetitionPenalty, (n) => n > 0, 'a number > 0'),
    stop: flags.stop,
  };
  const engine = await EngineModel.create(loaded.config, { batch: 1, maxContext: loaded.config.maxContext, training: false });
  engine.loadParams(loaded.params);
  const stream = streamOnEngine(engine, loaded.tokenizer, prompt, options);
  for (;;) {
    const step = await stream.next();
    if (step.done) {
      const g = step.value;
      const t = g.timing;
      if (flags.json) out(JSON.stringify({ text: g.text, tokens: g.tokens, finishReason: g.finishReason, timing: t }) + '\n');
      else out(`\n\n[${g.tokens.length} tokens, ${g.finishReason}; prefill ${t.promptTokens} tokens at ${t.prefillTokensPerSec.toFixed(0)} tokens/s, decode ${t.decodeTokensPerSec.toFixed(1)} tokens/s]\n`);
      return g;
    }
    if (!flags.json) out(loaded.tokenizer ? step.value.text : step.value.token !== null ? `${step.value.token} ` : '');
  }
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate a continuation with a model folder on the WebAssembly engine (streams tokens)')
    .requiredOption('--model <dir>', 'model folder (config.json + model.safetensors + tokenizer)')
    .option('--prompt <text>', 'prompt text (needs a tokenizer)')
    .option('--prompt-ids <ids>', 'prompt as comma-separated token ids (for folders without a tokenizer)')
    .option('--max-tokens <n>', 'tokens to generate at most', '64')
    .option('--temperature <t>', 'sampling temperature; 0 is greedy', '0.8')
    .option('--top-k <k>', 'sample among the k most likely tokens')
    .option('--top-p <p>', 'nucleus sampling mass', '1')
    .option('--repetition-penalty <r>', 'penalise tokens already in the sequence (1 = off)', '1')
    .option('--seed <n>', 'random seed: the same seed gives the same text', '0')
    .addOption(new Option('--stop <text...>', 'stop when the text contains one of these').default([]))
    .option('--json', 'print one JSON object only: text, tokens, finishReason, timing', false)
    .addHelpText('after', `
Examples:
  $ diffattn generate --model models/diff-small --prompt "Call me Ishmael." --max-tokens 100
  $ diffattn generate --model my-diffllama --prompt-ids 1,5,9 --temperature 0 --json
The prompt plus --max-tokens must fit the model's maxContext; nothing is truncated silently.`)
    .action(async (flags: GenerateFlags) => {
      await generateCommand(flags);
    });
}
