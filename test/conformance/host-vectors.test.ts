/**
 * The public /2 vectors of the host side (test/data/conformance-host): every VFIO errno rule,
 * every attach rule, the KVM-VFIO link rules, finalHardware and finalHost. Each passes in every
 * mode it lists; and a vector whose expectation is changed fails, so the checks are real.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadVector, runVectorMode } from '../../src/conformance/runner.js';
import { parseVector } from '../../src/conformance/vector.js';
import { readFileSync } from 'node:fs';

const DIR = 'test/data/conformance-host';
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

test('there are host vectors', () => {
  assert.ok(files.length >= 8, `${files.length} vectors`);
});

for (const f of files) {
  test(`vector ${f} passes in every mode it lists`, () => {
    const v = loadVector(join(DIR, f));
    for (const mode of v.modes) {
      const r = runVectorMode(v, mode);
      assert.equal(r.mismatches, [], `${f} [${mode}]`);
    }
  });
}

test('a changed errno, finalHardware entry or finalHost figure is reported', () => {
  const file = join(DIR, 'vfio-v2-map-lifecycle.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.steps[4].expect = 'EINVAL';
  json.finalHardware['1']['0x0']['0x1000'] = '0x2000002001';
  json.finalHost.pinnedPages = 15;
  const v = parseVector(file, JSON.stringify(json));
  const r = runVectorMode(v, 'realmode');
  assert.is(r.mismatches.length, 3, r.mismatches.join('\n'));
  assert.match(r.mismatches[0]!, /step 4 vfio map c: expected EINVAL, got EPERM/);
  assert.match(r.mismatches[1]!, /finalHardware: group 1 window 0x0 iova 0x1000: expected 0x2000002001, got 0x2000002003/);
  assert.match(r.mismatches[2]!, /finalHost: pinnedPages expected 15, got 16/);
});

test('misuse is a vector error naming the field', () => {
  const base = { format: 'tcesim-conformance/2', name: 'x', machine: { ramBytes: '0x10000000', tables: [], groups: [{ id: 1 }] } };
  const bad = (steps: unknown[]): string => {
    try {
      parseVector('x.json', JSON.stringify({ ...base, steps }));
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  assert.match(bad([{ vfio: 'map', container: 'c', iova: '0x0', size: '0x1000', vaddr: '0x0', expect: 'OK' }]), /steps\[0\]\.container: "c" is not opened/);
  assert.match(bad([{ vfio: 'open', container: 'c', expect: 'OK' }, { vfio: 'group-attach', container: 'c', group: 2, expect: 'OK' }]), /steps\[1\]\.group: group 2 is not one of machine.groups/);
  assert.match(bad([{ vfio: 'open', container: 'c', expect: 'EWHAT' }]), /steps\[0\]\.expect: "EWHAT" is not "OK" or a known errno/);
  assert.match(bad([{ kvm: 'set-spapr-tce', group: 1, expect: 'OK' }]), /steps\[0\]\.liobn: is required/);
  assert.match(bad([{ vfio: 'open', container: 'c', expect: 'OK', colour: 1 }]), /steps\[0\]\.colour: unknown field/);
});

test.run();
