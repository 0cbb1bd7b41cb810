/** `tcesim gain` on the command line: the table, JSON, the start job, and misuse in one line. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collectRunMemory } from './memory.js';
import { runCli } from '../../src/cli/run-cli.js';

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

test('the table names every machine, the published figures beside the predictions, and what is predicted or checked', async () => {
  const r = await cli(['gain', '--calls', '800']);
  assert.is(r.code, 0);
  const text = r.out.join('\n');
  for (const s of ['POWER8 KVM (real mode, then virtual mode)', 'POWER8, no acceleration', 'POWER9+ KVM (virtual mode only)', 'POWER9+, no acceleration',
    'VFIO v1', 'VFIO v2 + prereg + KVM link',
    'PREDICTED', 'COST LADDER', 'CHECKED', '220.0 MB/s', '750.0-1,020 MB/s', '> 800.0 Mbit/s', 'LEAST CERTAIN']) {
    assert.ok(text.includes(s), s);
  }
});

test('--json: the report object, same figures as a second run (seeded)', async () => {
  const a = await cli(['gain', '--calls', '400', '--json', '--workload', 'nic:buffer=1500']);
  const b = await cli(['gain', '--calls', '400', '--json', '--workload', 'nic:buffer=1500']);
  assert.is(a.code, 0);
  const ja = JSON.parse(a.out.join('\n'));
  assert.is(ja.format, 'tcesim-gain/1');
  assert.is(ja.machines.length, 12);
  assert.is(ja.checks.length, 4);
  assert.is(ja.bufferBytes, 1500);
  assert.equal(ja, JSON.parse(b.out.join('\n')));
});

test('a workload the published figures do not measure is run but checked against nothing; VFIO machines only where a device can be passed through', async () => {
  const r = await cli(['gain', '--calls', '300', '--workload', 'storage', '--json']);
  assert.is(r.code, 0);
  const j = JSON.parse(r.out.join('\n'));
  assert.equal(j.checks, []);
  assert.is(j.machines.length, 12);
  const b = JSON.parse((await cli(['gain', '--calls', '300', '--workload', 'boot', '--json'])).out.join('\n'));
  assert.equal(b.machines.map((m: { device: string }) => m.device), ['emulated', 'emulated', 'emulated', 'emulated']);
});

test('tcesim run on nic says what the NIC carries: never above its link, whatever the mapping rate', async () => {
  for (const [link, mode] of [['10000', 'realmode'], ['1000', 'virtmode'], ['100000', 'userspace']] as const) {
    const r = await cli(['run', '--calls', '2000', '--vcpus', '2', '--mode', mode, '--workload', `nic:link=${link}`]);
    assert.is(r.code, 0, r.err.join('\n'));
    const line = r.out.join('\n').split('\n').find((l) => l.startsWith('nic: '));
    assert.ok(line !== undefined, 'a nic line');
    const mbps = Number(/^nic: ([\d,.]+) MB\/s/.exec(line)![1]!.replace(/,/g, ''));
    assert.ok(mbps > 0 && mbps <= Number(link) / 8, `${mode} on ${link} Mbit/s: ${line}`);
    const path = Number(/hypercall path ([\d,.]+) MB\/s/.exec(line)![1]!.replace(/,/g, ''));
    assert.ok(line.includes(path > mbps ? 'limited by the wire' : 'limited by the hypercall path'), line);
  }
  const other = await cli(['run', '--calls', '200', '--workload', 'storage']);
  assert.not.ok(other.out.join('\n').includes('\nnic: '));
});

test('misuse: one line naming the bad value, exit 2', async () => {
  for (const [argv, word] of [
    [['gain', '--calls', 'x'], '"x"'], [['gain', '--vcpus', '0'], '"0"'], [['gain', '--workload', 'nic:link=0'], 'link'],
    [['gain', '--workload', 'nope'], 'nope'], [['gain', '--cost', 'bogus=1'], 'bogus'], [['gain', 'extra'], 'extra'],
    [['gain', '--trace', 'a.log', '--workload', 'nic'], 'both'], [['gain', '--trace', '/nonexistent/x.log'], 'x.log'],
  ] as const) {
    const r = await cli([...argv]);
    assert.is(r.code, 2, argv.join(' '));
    assert.is(r.err.length, 1, argv.join(' '));
    assert.ok(r.err[0]!.includes(word), `${argv.join(' ')}: ${r.err[0]}`);
  }
});

test.after.each(collectRunMemory);

test.run();
