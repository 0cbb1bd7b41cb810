/**
 * Machine events travel on a frame word only tcesim's injection writes (F_MACHINE_EVENT), not
 * as an opcode a guest could make: a guest hcall with the event's opcode is an unknown hcall.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventDecoder } from '../../src/events/decode.js';
import type { TcesimEvent } from '../../src/events/events.js';
import { RECORD_WORDS } from '../../src/events/layout.js';
import { F_RET, F_TIER } from '../../src/papr/frame.js';
import { F_MACHINE_EVENT } from '../../src/shared-memory/frame-slots.js';
import { MACHINE_EVENT_ROW, hcallName } from '../../src/papr/hcalls.js';
import { H_FUNCTION, H_SUCCESS } from '../../src/papr/return-codes.js';
import { MODES, TIER_USERSPACE } from '../../src/papr/tiers.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { defaultRunOptions } from '../../src/pipeline/run-options.js';
import { defaultPhbConfig } from '../../src/userspace/spapr-phb.js';
import { H_TCESIM_QEMU_EVENT, qemuEventCode } from '../../src/userspace/h-machine-event.js';
import { setCall } from '../../src/workload/frame-args.js';
import { withQemuEvents } from '../../src/workload/qemu-events.js';
import type { Workload } from '../../src/workload/workload.js';
import { get, machine, put } from '../machines.js';

const phbs = [defaultPhbConfig(0)];

test('a guest hcall with the machine event opcode is H_FUNCTION from QEMU in every mode, and resets nothing', () => {
  for (const mode of MODES) {
    const m = machine(mode, { tables: [], phbs });
    assert.is(put(m, 0x1000n, 0x2003n).ret, H_SUCCESS);
    // r4 = reset's code, r5 = PHB 0: what an injected reset event carries.
    const r = m.call({ opcode: H_TCESIM_QEMU_EVENT, liobn: BigInt(qemuEventCode('reset')), ioba: 0n });
    assert.is(r.ret, H_FUNCTION, mode);
    assert.is(r.answeredBy, TIER_USERSPACE, mode);
    assert.is(get(m, 0x1000n).tce, 0x2003n, `${mode}: the table was not reset`);
  }
});

test('in a run\'s call stream the injected event is the event, and the guest\'s own 0xf0f1 before and after it is not', () => {
  // A guest that makes nothing but 0xf0f1 calls shaped like a reset of PHB 0.
  const guest: Workload = {
    mappedBytes: 0,
    guestNs: 0,
    next(f) {
      setCall(f, H_TCESIM_QEMU_EVENT, qemuEventCode('reset'), 0, 0, 0, 0, 0);
    },
  };
  for (const mode of MODES) {
    const m = machine(mode, { tables: [], phbs });
    const w = withQemuEvents(guest, { 'qemu-events': '1:reset:0' }, 0);
    const f = new Int32Array(32);
    const answers: number[] = [];
    const mapped: bigint[] = [];
    for (let call = 0; call < 3; call++) {
      assert.is(put(m, 0x1000n, 0x2003n).ret, H_SUCCESS);
      w.next(f);
      m.dispatch(f);
      answers.push(f[F_RET] as number);
      assert.is(f[F_TIER], TIER_USERSPACE);
      mapped.push(get(m, 0x1000n).tce);
    }
    assert.equal(answers, [H_FUNCTION, H_SUCCESS, H_FUNCTION], mode);
    assert.equal(mapped, [0x2003n, 0n, 0x2003n], `${mode}: only the injected event reset the PHB`);
    assert.is(f[F_MACHINE_EVENT], 0, 'the word is cleared for the guest\'s call');
  }
});

test('the log marks the event (ENTER flag): the report row is QEMU_EVENT, a bare 0xf0f1 opcode is named as a number', () => {
  const r = runInline({
    ...defaultRunOptions(), mode: 'realmode', vcpus: 1, workload: 'nic', workloadParams: { 'qemu-events': '5:reset:0' }, calls: 20,
    ringRecords: 2 ** 12, keepRecords: true,
  });
  const d = new EventDecoder();
  const events: TcesimEvent[] = [];
  for (let i = 0; i < r.recordCount; i++) d.decode(r.records as Int32Array, i * RECORD_WORDS, events);
  const entered = events.filter((e) => e.type === 'hcall-entered' && e.opcode === H_TCESIM_QEMU_EVENT);
  assert.is(entered.length, 1);
  assert.is(entered[0]!.type === 'hcall-entered' && entered[0].hcall, 'QEMU_EVENT');
  assert.is(entered[0]!.type === 'hcall-entered' && entered[0].seq, 5);
  const rows = [...r.stats.groups.values()].filter((g) => g.opcode === MACHINE_EVENT_ROW);
  assert.equal(rows.map((g) => [hcallName(g.opcode), g.tier, g.count]), [['QEMU_EVENT', TIER_USERSPACE, 1]]);
  assert.ok(![...r.stats.groups.values()].some((g) => g.opcode === H_TCESIM_QEMU_EVENT), 'no guest row for the event');
  assert.is(hcallName(H_TCESIM_QEMU_EVENT), '0xf0f1');
});

test.run();
