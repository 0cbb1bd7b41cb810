/**
 * A vCPU thread imports its workload's module alone (src/workload/load.ts): every workload the
 * registry knows loads to the very same spec, and no other name loads.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LOADABLE_WORKLOADS, loadWorkload } from '../../src/workload/load.js';
import { WORKLOADS } from '../../src/workload/registry.js';

test('every workload of the registry loads by name to the registry\'s own spec, and the loader knows no other', async () => {
  assert.equal([...LOADABLE_WORKLOADS].sort(), WORKLOADS.map((w) => w.name).sort());
  for (const spec of WORKLOADS) assert.ok((await loadWorkload(spec.name)) === spec, spec.name);
});

test('an unknown name is refused with the known ones listed', async () => {
  for (const name of ['nope', 'toString', '__proto__']) {
    try {
      await loadWorkload(name);
      assert.unreachable(`${name} loaded`);
    } catch (e) {
      assert.instance(e, RangeError, name);
      assert.match((e as Error).message, /unknown workload .*known: nic, /);
    }
  }
});

test.run();
