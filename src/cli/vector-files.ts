/**
 * The vector files under the paths given to `tcesim conformance`: files as given, folders walked
 * for *.json. The walk follows a symbolic link to a folder once (a link loop ends there, not in
 * a stack overflow) and skips node_modules and hidden folders, which hold no vectors of ours.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VectorError } from '../conformance/values.js';

const SKIPPED = new Set(['node_modules']);

export function vectorFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch (e) {
      throw new VectorError(dir, '(folder)', `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (seen.has(real)) return; // a link back into a folder already walked
    seen.add(real);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      throw new VectorError(dir, '(folder)', `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const n of names) {
      const p = join(dir, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // a dangling link: nothing to run
      }
      if (st.isDirectory()) {
        if (!SKIPPED.has(n) && !n.startsWith('.')) walk(p);
      } else if (n.endsWith('.json')) {
        out.push(p);
      }
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const loop = typeof e === 'object' && e !== null && 'code' in e && e.code === 'ELOOP';
      throw new VectorError(p, '(file)', loop ? 'a loop of symbolic links' : 'no such file or folder');
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}
