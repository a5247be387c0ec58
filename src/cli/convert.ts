/**
 * `diffattn convert SRC DST --to official|diffllama|diffattn [--dtype F32]`: rewrite a model folder
 * in another flavour, e.g. to continue in PyTorch with Hugging Face's DiffLlama.
 */
import { Option, type Command } from 'commander';
import { FOLDER_LAYOUTS, WEIGHT_DTYPES, loadModelFolder, saveModelFolder, type FolderLayout, type WeightDType } from '../model/index.js';

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('write a model folder in another flavour (official names, Hugging Face DiffLlama, or diffattn)')
    .argument('<src>', 'model folder to read')
    .argument('<dst>', 'folder to write (created; config and weights overwritten)')
    .addOption(new Option('--to <layout>', 'flavour to write').choices([...FOLDER_LAYOUTS]).makeOptionMandatory())
    .addOption(new Option('--dtype <dtype>', 'weight dtype').choices([...WEIGHT_DTYPES]).default('F32'))
    .option('--json', 'print a JSON summary only', false)
    .addHelpText('after', '\nExamples:\n  $ diffattn convert models/diff-small /tmp/hf --to diffllama\n  $ diffattn convert my-diffllama /tmp/ours --to diffattn --dtype BF16')
    .action((src: string, dst: string, opts: { to: FolderLayout; dtype: WeightDType; json: boolean }) => {
      const model = loadModelFolder(src);
      saveModelFolder(dst, model, { to: opts.to, dtype: opts.dtype });
      const summary = { src, dst, from: model.layout, to: opts.to, dtype: opts.dtype };
      console.log(opts.json ? JSON.stringify(summary) : `converted ${src} (${model.layout}) → ${dst} (${opts.to}, ${opts.dtype})`);
    });
}
