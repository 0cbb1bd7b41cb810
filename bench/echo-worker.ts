/**
 * The bare worker round trip's thread. It lives in src/benchmarks/echo-worker.ts (the suite
 * behind `tcesim bench`); loading this file as a worker runs it, and its exports are re-exported.
 */
export { ECHO_DONE, ECHO_PENDING, type EchoSetup } from '../src/benchmarks/echo-worker.js';
