/** The engine's tests name the shared boundary-error assertion after what they check. */
export { expectDiffAttnError as expectEngineError } from '../support/errors.js';
