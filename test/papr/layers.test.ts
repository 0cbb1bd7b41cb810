/**
 * The layers of /work/shared/DESIGN.md, where issue 12 found them broken: the hcall frame's
 * registers (src/papr) hold no pipeline bookkeeping, and virtual mode imports nothing of the
 * layers above it (its piscina serve loop is pipeline wiring: src/pipeline/pool-worker.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as frame from '../../src/papr/frame.js';
import * as slots from '../../src/shared-memory/frame-slots.js';
import { ROOT } from '../helpers.js';

/** The src/ folders a file of `dir` imports (relative imports only). */
function importedLayers(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of readdirSync(join(ROOT, 'src', dir), { recursive: true, encoding: 'utf8' })) {
    if (!name.endsWith('.ts')) continue;
    const text = readFileSync(join(ROOT, 'src', dir, name), 'utf8');
    for (const m of text.matchAll(/from '((?:\.\.\/)+)([a-z-]+)\//g)) {
      const layer = m[2] as string;
      out.set(layer, [...(out.get(layer) ?? []), name]);
    }
  }
  return out;
}

test('virtual mode imports no higher layer (pipeline, workload, userspace, report, cli)', () => {
  const layers = importedLayers('virtmode');
  for (const higher of ['pipeline', 'workload', 'userspace', 'report', 'cli', 'benchmarks']) {
    assert.equal(layers.get(higher) ?? [], [], `src/virtmode imports src/${higher}`);
  }
  assert.ok((layers.get('kvm') ?? []).length > 0, 'the scan sees virtual mode\'s imports');
});

test('papr imports nothing outside papr, and its frame holds registers only', () => {
  const layers = importedLayers('papr');
  assert.equal([...layers.keys()], []);
  const names = Object.keys(frame).filter((k) => k.startsWith('F_'));
  for (const k of Object.keys(slots)) assert.not.ok(names.includes(k), `${k} is defined twice`);
  for (const k of names) {
    const index = (frame as Record<string, unknown>)[k] as number;
    assert.ok(index < frame.FRAME_REGISTER_WORDS, `${k} (word ${index}) is not a register`);
  }
  for (const [k, index] of Object.entries(slots)) {
    const words = k.endsWith('_F64') ? [index * 2, index * 2 + 1] : [index];
    for (const w of words) assert.ok(w >= frame.FRAME_REGISTER_WORDS && w < frame.FRAME_WORDS, `${k} lies past the registers, inside the frame`);
  }
});

test.run();
