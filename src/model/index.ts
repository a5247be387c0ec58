/**
 * Models: validated configs, parameter layouts, model folders of three flavours (diffattn,
 * official, Hugging Face DiffLlama) with import and export, tokenizers, sampling and reference
 * generation. See docs/models.md.
 */
export { ATTENTION_KINDS, attentionWidth, parameterCount, parameterShapes, resolveConfig, validateConfig, type ModelConfig } from './config.js';
export {
  CONFIG_FILE, FOLDER_LAYOUTS, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, WEIGHT_DTYPES, WEIGHTS_FILE, detectLayout,
  type FolderLayout, type LoadedModel, type ModelData, type TokenizerRef, type WeightDType,
} from './folder.js';
export { checkParams, type Params } from './params.js';
export { loadModelFolder } from './folder-read.js';
export { folderNames, parseModelFolder, tokenizerFileNeed, type FolderNames, type ModelFolderFiles, type TokenizerFileNeed } from './folder-parse.js';
export { fetchModelFolder, type FetchFolderOptions } from './folder-fetch.js';
export { saveModelFolder, type SaveOptions } from './folder-write.js';
export { exportModel, toOfficial, tokenizerRef, type ExportOptions, type ExportedModel } from './export.js';
export { DIFFATTN_FORMAT, diffattnConfigJson, parseDiffattnConfig } from './folder-config-diffattn.js';
export { OFFICIAL_MODULES, officialConfigJson, officialModule, parseOfficialConfig, type OfficialModule } from './folder-config-official.js';
export { fromRefModel, toRefModel } from './ref-model.js';
export { expandNaiveKv, foldSublnGain, interleaveRope, unitSublnGain, type CanonicalModel } from './layouts/export-rewrites.js';
export { diffLlamaConfigOf, toDiffLlama } from './layouts/export-diffllama.js';
export { blockRows, diffLlamaAttention, halfToInterleaved, type DiffLlamaAttnDims, type DiffLlamaAttnLayout } from './layouts/diffllama.js';
export {
  diffLlamaConfigJson, diffLlamaModel, parseDiffLlamaConfig, type DiffLlamaConfig, type DiffLlamaConfigExtras, type DiffLlamaModelLayout,
} from './layouts/diffllama-model.js';
export { gatherParams, scatterGrads, type Layout, type RowGather } from './layouts/row-gather.js';
export { checkIds, checkTokenizerFits, type TextStream, type Tokenizer } from './tokenizer/tokenizer.js';
export { ByteTokenizer } from './tokenizer/bytes.js';
export { HfTokenizer, type HfTokenizerOptions } from './tokenizer/hf.js';
export { incrementalDecoder } from './tokenizer/stream.js';
export { applyRepetitionPenalty, argmax, sampleToken, samplingProbs, type SamplingOptions } from './sampling.js';
export { generate, generateRef, generateSteps, type GenerateOptions, type Generation, type GenerationStep, type ModelLimits, type NextLogits } from './generate.js';
export { lambdaParamNames, layerLambdas, type LambdaSource } from './lambda.js';
