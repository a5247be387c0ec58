/** The correctness oracle: golden cases, backends, tolerances and `verifyGolden`. */
export { verifyGolden, refBackend, type BackendName, type FileReport, type VerifyBackend } from './verify.js';
export { parseGoldenCase, type GoldenCase, type ModuleSpec, type Results, type Task } from './golden-case.js';
export { TOLERANCES, compareTensor, type TensorReport, type Tolerance } from './compare.js';
export { OFFICIAL_KINDS, type OfficialKind } from './official-case.js';
export type { ModelFolderFiles } from './diffllama-case.js';
