import { parseCommandArgs } from './args.js';
import { formatResult, loadVector, runVectorMode } from '../conformance/runner.js';
import type { Vector } from '../conformance/vector.js';
import { UsageError } from './usage-error.js';
import { vectorFiles } from './vector-files.js';

export const CONFORMANCE_HELP = `tcesim conformance PATH...

Runs every conformance vector (tcesim-conformance/1) in the files and folders given, each in
every mode it lists on a fresh machine. Prints one line per vector and mode, then
"N passed, N failed". Exit 0 when all pass, 1 on any failure, 2 on a file that is not a vector.`;

/** Returns the exit code. */
export function conformanceCommand(argv: string[], out: (line: string) => void): number {
  const { positionals } = parseCommandArgs('conformance', argv, {});
  if (positionals.length === 0) throw new UsageError('conformance needs at least one vector file or folder (tcesim conformance PATH...)');
  const files = vectorFiles(positionals);
  if (files.length === 0) throw new UsageError(`no vector files (*.json) under ${positionals.join(', ')}`);
  // Parse everything first: a bad file stops the run before any result is printed.
  const vectors: Vector[] = files.map(loadVector);
  let passed = 0;
  let failed = 0;
  for (const v of vectors) {
    for (const mode of v.modes) {
      const r = runVectorMode(v, mode);
      if (r.mismatches.length === 0) passed++;
      else failed++;
      out(formatResult(r));
    }
  }
  out(`${vectors.length} vectors in ${files.length} files`);
  out(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
