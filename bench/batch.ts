/**
 * Batching and allocation helpers for nanosecond-scale benchmarks. They live in src/benchmarks
 * (the suite behind `tcesim bench`); re-exported here for the scripts in bench/.
 */
export { batched, type BatchBody, type BatchOptions } from '../src/benchmarks/batch.js';
export { allocationCheck, type AllocationReport, type CheckedRow } from '../src/benchmarks/allocation-check.js';
