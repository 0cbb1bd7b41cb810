/**
 * Model-based property: in mode `userspace` every call is answered by the QEMU model, so a
 * random call sequence must give, after every step, the return code and H_GET_TCE value that a
 * small independent BigInt model of QEMU's rules (./qemu-model.ts, written from SPEC.md)
 * predicts, and leave exactly the tables it predicts.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Machine } from '../../src/pipeline/machine.js';
import { MODEL_TABLES, RAM_BYTES, arbModelSteps, modelMachineConfig, modelTables, writeList, type ModelStep } from './model-steps.js';
import { ModelRam, QemuModel, byIoba } from './qemu-model.js';
import { OP_GET, OP_INDIRECT, OP_PUT, OP_STUFF, RC_FUNCTION, RC_PARAMETER, RC_SUCCESS, TIER_U, U64, assertUnlocked, describePath, diffTables, fail, hex } from './support.js';

function runAgainstModel(steps: ModelStep[]): void {
  const machine = new Machine(modelMachineConfig(), 'userspace');
  const model = new QemuModel(modelTables(), new ModelRam(RAM_BYTES));
  steps.forEach((s, n) => {
    if (s.kind !== 'call') return;
    const c = s.call;
    if (c.opcode === OP_INDIRECT) writeList(machine, model.ram, c.arg ?? 0n, s.list);
    const got = machine.call(c);
    const want = model.call(c);
    if (got.ret !== want.ret) fail(n, c, `ret ${got.ret}, model says ${want.ret} (path ${describePath(got)})`);
    if (got.tce !== want.tce) fail(n, c, `tce ${hex(got.tce)}, model says ${hex(want.tce)}`);
    if (got.answeredBy !== TIER_U || got.path.length !== 1) fail(n, c, `mode userspace answered by tier ${got.answeredBy} via ${describePath(got)}`);
    for (const mt of model.tables) {
      const d = diffTables(machine.nonZeroEntries(Number(mt.liobn)), byIoba(mt));
      if (d !== null) fail(n, c, `table ${hex(mt.liobn)}: ${d}`);
    }
    assertUnlocked(machine, n, c);
  });
}

test('userspace mode: return codes, H_GET_TCE values and whole tables follow the QEMU model after every step', () => {
  fc.assert(fc.property(arbModelSteps(false), (steps) => runAgainstModel(steps)), { seed: 0x5eed0001, numRuns: 200, includeErrorInReport: true });
});

test('the model itself: hand-checked QEMU cases (ioba mask, window edges, 64-bit wrap, stop at first failure)', () => {
  const m = new QemuModel(modelTables(), new ModelRam(RAM_BYTES));
  const b1 = MODEL_TABLES[1]!.busOffset; // 64K pages, 260 entries
  // misaligned ioba masked down, 64K pages
  assert.equal(m.call({ opcode: OP_PUT, liobn: 0x80000001n, ioba: b1 + 0x10000n + 0x1234n, arg: 0x30003n }), { ret: RC_SUCCESS, tce: 0n });
  assert.equal(m.call({ opcode: OP_GET, liobn: 0x80000001n, ioba: b1 + 0x1ffffn }), { ret: RC_SUCCESS, tce: 0x30003n });
  // below the window wraps to a huge index
  assert.is(m.call({ opcode: OP_PUT, liobn: 0x80000001n, ioba: b1 - 0x10000n, arg: 1n }).ret, RC_PARAMETER);
  // STUFF running off the end keeps the entries before the window's end
  assert.is(m.call({ opcode: OP_STUFF, liobn: 0x80000001n, ioba: b1 + 258n * 0x10000n, arg: 0x5n, npages: 5n }).ret, RC_PARAMETER);
  assert.is(m.call({ opcode: OP_GET, liobn: 0x80000001n, ioba: b1 + 259n * 0x10000n }).tce, 0x5n);
  // npages == 0 and STUFF npages > entries
  assert.is(m.call({ opcode: OP_STUFF, liobn: 0x80000001n, ioba: b1, arg: 0n, npages: 0n }).ret, RC_PARAMETER);
  assert.is(m.call({ opcode: OP_STUFF, liobn: 0x80000001n, ioba: b1, arg: 0n, npages: 261n }).ret, RC_PARAMETER);
  // the window ending below 2^64: the last page is in, the one after (and its wrap to 0) is not
  assert.is(m.call({ opcode: OP_STUFF, liobn: 7n, ioba: U64 - 0x2000n, arg: 0x9n, npages: 3n }).ret, RC_PARAMETER);
  assert.is(m.call({ opcode: OP_GET, liobn: 7n, ioba: U64 - 0x2000n }).tce, 0x9n);
  // unknown LIOBN, upper bits, other opcodes
  assert.is(m.call({ opcode: OP_GET, liobn: (1n << 32n) | 0x80000000n, ioba: 0n }).ret, RC_PARAMETER);
  assert.is(m.call({ opcode: 0x10c, liobn: 0x80000000n, ioba: 0n }).ret, RC_FUNCTION);
});

test.run();
