/**
 * Every run of `tcesim gain` builds dozens of machines, each with 1 GiB of guest RAM in shared
 * memory that V8 frees only when it collects. uvu runs every test file in one process, and a
 * later test that spawns a process fails to fork (ENOMEM) while that memory is still mapped,
 * so the gain tests collect after themselves.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function collectRunMemory(): void {
  gc();
}
