/** The TensorFlow.js backend: backend selection, and runnable models built from the IR. */
export { selectBackend, currentBackend, backendFailure, BackendUnavailableError, BACKEND_NAMES, type BackendName } from './backend.js';
export { buildModel, TfjsModel, UnsupportedOpError, type BuildOptions, type ForwardOptions } from './executor.js';
export { ModelInputError, ModelRuntimeError } from './errors.js';
export { OP_IMPLS } from './ops/index.js';
