/** Machine descriptions: parsing, defaults, the short flags, and resolving windows. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { machineFromFlags, parseMachineDescription, passthroughOf, readMachineFile } from '../../src/pipeline/machine-file.js';
import { defaultPhbTable } from '../../src/pipeline/machine-config.js';

const tables = [defaultPhbTable(), { ...defaultPhbTable(), liobn: 0x80000001 }];
const parse = (v: unknown) => parseMachineDescription(v, 'm.json');
const err = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

test('every shipped example parses', () => {
  for (const f of ['machine-v2-prereg-kvm', 'machine-v1', 'machine-no-kvm-link', 'machine-emulated']) readMachineFile(`examples/${f}.json`);
});

test('defaults: the container follows the group, preregistered, linked, one device per window', () => {
  const d = parse({ format: 'tcesim-machine/1', groups: [{ id: 4, ops: 'legacy' }], devices: [{ group: 4 }] });
  assert.equal(d.devices, [{ group: 4, container: 'v1', preregister: true, kvmLink: true, windows: 'each' }]);
  const p = passthroughOf(d, tables);
  assert.equal(p.groups.map((g) => [g.id, g.phb, g.ops]), [[4, 0, 'legacy'], [5, 1, 'legacy']]);
  assert.equal(p.devices.map((x) => [x.group, x.liobns]), [[4, [0x80000000]], [5, [0x80000001]]]);
});

test('"all" puts one device behind every window; a list names them', () => {
  const d = parse({ format: 'tcesim-machine/1', groups: [{ id: 1 }], devices: [{ group: 1, windows: 'all' }] });
  assert.equal(passthroughOf(d, tables).devices[0]!.liobns, [0x80000000, 0x80000001]);
  const e = parse({ format: 'tcesim-machine/1', groups: [{ id: 1 }], devices: [{ group: 1, windows: ['0x80000009'] }] });
  assert.match(err(() => passthroughOf(e, tables)), /no window with liobn 0x80000009/);
});

test('refusals name the field', () => {
  assert.match(err(() => parse({ format: 'tcesim-machine/2' })), /m\.json: format: must be "tcesim-machine\/1"/);
  assert.match(err(() => parse({ format: 'tcesim-machine/1', devices: [{ group: 1 }] })), /devices\[0\]\.group: group 1 is not in groups/);
  assert.match(err(() => parse({ format: 'tcesim-machine/1', groups: [{ id: 1 }], devices: [{ group: 1, container: 'v1' }] })), /a v1 container cannot take a "ddw" group/);
  assert.match(err(() => parse({ format: 'tcesim-machine/1', host: { lockedLimit: 'lots' } })), /host\.lockedLimit/);
  assert.match(err(() => parse({ format: 'tcesim-machine/1', groups: [{ id: 1 }, { id: 1 }] })), /groups\[1\]\.id: group 1 is listed twice/);
  const clash = parse({ format: 'tcesim-machine/1', groups: [{ id: 1 }, { id: 2 }], devices: [{ group: 1 }] });
  assert.match(err(() => passthroughOf(clash, tables)), /group ids 1\.\.2, but 2 is taken/);
});

test('short flags: --vfio builds the machine; --no-kvm-link etc. change it and need one', () => {
  const d = machineFromFlags({ vfio: 'v1', noKvmLink: true, lockedLimit: 4096 }, null)!;
  assert.equal([d.groups[0]!.ops, d.devices[0]!.container, d.devices[0]!.kvmLink, d.host.lockedLimit], ['legacy', 'v1', false, 4096]);
  assert.is(machineFromFlags({}, null), null);
  assert.match(err(() => machineFromFlags({ noPrereg: true }, null)), /need --vfio or --machine/);
});

test.run();
