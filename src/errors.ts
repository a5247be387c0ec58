/**
 * The one error type the library throws at its public boundary.
 *
 * Every check that rejects user input (a shape, a dtype, a file, a config field) throws a
 * `DiffAttnError` whose message names the argument, what was expected and what was found, and
 * whose `code` lets callers branch without parsing messages.
 */
export type DiffAttnErrorCode =
  | 'shape' // a tensor or weight has the wrong shape
  | 'dtype' // an unsupported or mismatched element type
  | 'value' // a value out of range (NaN, negative size, bad option)
  | 'format' // a malformed file (safetensors header, golden metadata, config.json)
  | 'missing' // a required key, tensor or file is absent
  | 'unknown' // an unexpected key or name
  | 'memory' // an allocation that cannot be satisfied
  | 'unsupported'; // a valid request this build cannot serve

export class DiffAttnError extends Error {
  readonly code: DiffAttnErrorCode;
  constructor(code: DiffAttnErrorCode, message: string) {
    super(message);
    this.name = 'DiffAttnError';
    this.code = code;
  }
}

/** Throws a `DiffAttnError` with `code` and `message` unless `condition` holds. */
export function check(condition: boolean, code: DiffAttnErrorCode, message: () => string): asserts condition {
  if (!condition) throw new DiffAttnError(code, message());
}
