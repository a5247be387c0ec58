/**
 * Training on the WebAssembly engine: the loop (`Trainer`, `train`), its options and schedule,
 * byte-level text data, paired initialisation of DIFF / baseline / V2 arms, checkpoints, the JSONL
 * log, and the float64 reference trainer it is checked against. See docs/training.md.
 */
export type { Batch, BatchSource, StepRecord, TrainOptions, TrainResult } from './types.js';
export { DEFAULT_TRAIN_OPTIONS, trainOptions } from './options.js';
export { lrAt } from './schedule.js';
export { TextCorpus, splitCorpus, textBatches, type TextCorpusState } from './data.js';
export { MOBY_DICK, loadCorpus, mobyDickPath } from './corpus.js';
export { ARMS, ARM_ATTENTION, pairedConfigs, pairedInit, type Arm, type ArmInit, type ModelSize } from './paired.js';
export { PRESETS, type PresetName, type PresetSize } from './presets.js';
export { layerLambdas, lambdaParamNames } from '../model/lambda.js';
export { Trainer, train, type EngineLoad, type ResumeOptions, type SaveCheckpointOptions, type TrainHooks } from './trainer.js';
export {
  OPTIMIZER_FILE, TRAINER_FILE, TRAINER_FORMAT, readCheckpoint, readTrainerState, writeCheckpoint,
  type CheckpointData, type CheckpointWriteOptions, type TrainerState,
} from './checkpoint.js';
export { JSONL_LOG_FILE, JsonlLog, readLog } from './log.js';
export { RUN_FILE, RUN_FORMAT, readRunSpec, resumeRun, startRun, summarizeArm, type ArmSummary, type RunHooks, type RunOptions, type RunSpec } from './run.js';
export { adamwFloat64 } from './adamw64.js';
export { ReferenceTrainer, type ReferenceStep } from './reference.js';
