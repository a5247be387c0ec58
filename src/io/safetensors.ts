/**
 * Safetensors reading and writing, and the dtype conversions that go with them: the whole
 * platform-neutral `src/io` API in one import. (`readSafetensorsFile`, which needs `node:fs`, lives
 * in `read-file.ts` so that this module also loads in browsers.)
 */
export { readSafetensors, DEFAULT_MAX_HEADER_BYTES, type ReadOptions, type SafetensorsFile } from './safetensors-read.js';
export { writeSafetensors } from './safetensors-write.js';
export { DTYPES, DTYPE_NAMES, isDType, type DType, type DTypeInfo, type SafeTensor, type TensorData } from './dtype.js';
export { fromFloat64, toFloat32, toFloat64, toInt32 } from './convert.js';
export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './half.js';
