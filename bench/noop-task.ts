/**
 * The bare pool round trip's piscina task. It lives in src/benchmarks/noop-task.ts (the suite
 * behind `tcesim bench`); re-exported here so a pool can load this file as well.
 */
export { default } from '../src/benchmarks/noop-task.js';
