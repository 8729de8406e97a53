/**
 * Row lookup `table[ids]` with its own gradient: tfjs's gradient of `gather` needs the
 * `UnsortedSegmentSum` kernel, which the wasm backend lacks, so the table's gradient is a
 * `scatterND` of the incoming rows (duplicate ids add up). The numerics live in the runtime
 * (`src/runtime/`), shared with generated code.
 */
export { gatherRows } from '../../../runtime/index.js';
