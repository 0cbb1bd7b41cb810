/**
 * Model-based property for the kernel modes: in modes `realmode` (R -> V -> U) and `virtmode`
 * (V -> U), random call sequences — well-formed or not — must give, after every step, the
 * return code, H_GET_TCE value, ANSWERING TIER and whole tables that an independent BigInt
 * model of SPEC.md section 2 predicts (no hardware tables attached). This is where the tiers
 * disagree (section 6), so it checks each disagreement on the path the call really took.
 *
 * The kernel tiers, from the SPEC (each restarts from the guest's arguments; a punt is
 * H_TOO_HARD and goes to the next tier):
 * - not a TCE hcall, INDIRECT/STUFF switched off, or a LIOBN with no kernel table: punt;
 * - INDIRECT: npages > 512 or a list not 4 KiB aligned: H_PARAMETER;
 * - ioba misaligned, outside the window, or (full range check) the range running past it:
 *   H_PARAMETER;
 * - real mode only: a backing page under [index, index + npages) not allocated and the call
 *   not a pure clear (PUT/STUFF of 0): punt; INDIRECT is never a pure clear;
 * - INDIRECT: list page outside RAM: punt; real mode only: the list's host page absent, huge
 *   or old: punt; then every entry is validated before any is written;
 * - a TCE with a permission bit: address misaligned: real mode H_PARAMETER, virtual mode punt;
 *   address outside RAM: punt;
 * - STUFF: a value with a permission bit: H_PARAMETER; then entries [index, min(index +
 *   npages, entries)) are written;
 * - INDIRECT, while writing: an entry whose address (permission bits masked) is outside RAM is
 *   H_PARAMETER with the earlier entries kept (the kernel translates every entry; this one is
 *   from reference/kernel-qemu-semantics.md 3.4/3.5, the SPEC does not spell it out);
 * - writing: an entry past the window (first-page-only range check) is dropped; a zero into a
 *   missing backing page is skipped; a non-zero value allocates the page (virtual mode);
 * - H_GET_TCE: the entry (0 when its backing page was never allocated); r4 keeps the LIOBN on failure.
 * Userspace is the QEMU model; its every access to a kernel-held table allocates the backing
 * page it touches.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Machine, type HcallArgs } from '../../src/pipeline/machine.js';
import type { Mode } from '../../src/papr/tiers.js';
import { HOST_PAGE_SHIFT, RAM_BYTES, arbModelSteps, modelMachineConfig, modelTables, writeList, type ModelStep } from './model-steps.js';
import { ModelRam, QemuModel, byIoba, storeCell, type ModelAnswer, type ModelTable } from './qemu-model.js';
import {
  MASK64, OP_GET, OP_INDIRECT, OP_PUT, OP_STUFF, RC_PARAMETER, RC_SUCCESS, TIER_R, TIER_U, TIER_V,
  assertUnlocked, describePath, diffTables, fail, hex,
} from './support.js';

/** Entries per kernel backing page: a host page of u64s. */
const EPP = 1n << BigInt(HOST_PAGE_SHIFT - 3);
const PUNT = 'punt' as const;
type TierAnswer = ModelAnswer | typeof PUNT;
const ok = (ret: number, tce = 0n): ModelAnswer => ({ ret, tce });

class KvmModel {
  readonly tables = modelTables();
  readonly ram = new ModelRam(RAM_BYTES);
  /** Allocated kernel backing pages, per table. */
  private readonly allocated = new Map<ModelTable, Set<bigint>>(this.tables.map((t) => [t, new Set()]));
  /** Guest pages (4 KiB) whose host page real mode cannot reach without sleeping. */
  private readonly unreachable = new Set<bigint>();
  private readonly qemu = new QemuModel(this.tables, this.ram, (t, index) => this.allocated.get(t)!.add(index / EPP));

  constructor(readonly mode: Mode, readonly firstPageOnly: boolean, readonly multiTce: boolean) {}

  hostPage(gpa: bigint, unreachable: boolean): void {
    if (unreachable) this.unreachable.add(gpa >> 12n);
    else this.unreachable.delete(gpa >> 12n);
  }

  /** The answer and the tier that gave it. */
  call(c: HcallArgs): { answer: ModelAnswer; tier: number } {
    const tiers = this.mode === 'realmode' ? [TIER_R, TIER_V] : [TIER_V];
    for (const tier of tiers) {
      const a = this.kernel(tier === TIER_R, c);
      // A failed H_GET_TCE leaves r4 as the guest set it: the LIOBN.
      if (a !== PUNT) return { answer: c.opcode === OP_GET && a.ret !== RC_SUCCESS ? { ret: a.ret, tce: c.liobn } : a, tier };
    }
    return { answer: this.qemu.call(c), tier: TIER_U };
  }

  private pageAllocated(t: ModelTable, page: bigint): boolean {
    return this.allocated.get(t)!.has(page);
  }

  /** Every backing page under entries [index, index + n) is allocated (a page past the table's last never is). */
  private rangeAllocated(t: ModelTable, index: bigint, n: bigint): boolean {
    if (n === 0n) return true;
    const last = (index + n - 1n) / EPP;
    if (last >= (t.entries + EPP - 1n) / EPP) return false;
    for (let p = index / EPP; p <= last; p++) if (!this.pageAllocated(t, p)) return false;
    return true;
  }

  private validate(real: boolean, t: ModelTable, tce: bigint): 'ok' | TierAnswer {
    if ((tce & 3n) === 0n) return 'ok';
    const addr = tce & ~3n;
    if ((addr & ((1n << t.pageShift) - 1n)) !== 0n) return real ? ok(RC_PARAMETER) : PUNT;
    if (addr >= RAM_BYTES) return PUNT;
    return 'ok';
  }

  private write(real: boolean, t: ModelTable, index: bigint, tce: bigint): void {
    if (index >= t.entries) return;
    const page = index / EPP;
    if (!this.pageAllocated(t, page)) {
      if (tce === 0n || real) return;
      this.allocated.get(t)!.add(page);
    }
    storeCell(t, index, tce);
  }

  private kernel(real: boolean, c: HcallArgs): TierAnswer {
    const { opcode, liobn, ioba } = c;
    const arg = c.arg ?? 0n;
    const npages = c.npages ?? 0n;
    if (opcode !== OP_GET && opcode !== OP_PUT && opcode !== OP_STUFF && opcode !== OP_INDIRECT) return PUNT;
    if ((opcode === OP_STUFF || opcode === OP_INDIRECT) && !this.multiTce) return PUNT;
    const t = liobn >> 32n === 0n ? this.tables.find((x) => x.liobn === liobn && !x.userspaceOnly) : undefined;
    if (t === undefined) return PUNT;
    if (opcode === OP_INDIRECT && (npages > 512n || (arg & 0xfffn) !== 0n)) return ok(RC_PARAMETER);
    const span = opcode === OP_STUFF || opcode === OP_INDIRECT ? npages : 1n;
    if ((ioba & ((1n << t.pageShift) - 1n)) !== 0n) return ok(RC_PARAMETER);
    const page = ioba >> t.pageShift;
    const first = t.busOffset >> t.pageShift;
    if (page < first || page >= first + t.entries) return ok(RC_PARAMETER);
    const index = page - first;
    if (!this.firstPageOnly && index + span > t.entries) return ok(RC_PARAMETER);
    switch (opcode) {
      case OP_GET:
        return ok(RC_SUCCESS, this.pageAllocated(t, index / EPP) ? t.cells.get(index) ?? 0n : 0n);
      case OP_PUT: {
        if (real && arg !== 0n && !this.rangeAllocated(t, index, 1n)) return PUNT;
        const v = this.validate(real, t, arg);
        if (v !== 'ok') return v;
        this.write(real, t, index, arg);
        return ok(RC_SUCCESS);
      }
      case OP_STUFF: {
        if (real && arg !== 0n && !this.rangeAllocated(t, index, npages)) return PUNT;
        if ((arg & 3n) !== 0n) return ok(RC_PARAMETER);
        const end = index + npages < t.entries ? index + npages : t.entries;
        for (let i = index; i < end; i++) this.write(real, t, i, arg);
        return ok(RC_SUCCESS);
      }
      default: {
        if (real && !this.rangeAllocated(t, index, npages)) return PUNT;
        if (arg >= RAM_BYTES) return PUNT;
        if (real && this.unreachable.has(arg >> 12n)) return PUNT;
        const entry = (i: bigint): bigint => this.ram.read((arg + 8n * i) & MASK64);
        for (let i = 0n; i < npages; i++) {
          const v = this.validate(real, t, entry(i));
          if (v !== 'ok') return v;
        }
        for (let i = 0n; i < npages; i++) {
          const tce = entry(i);
          if ((tce & ~3n) >= RAM_BYTES) return ok(RC_PARAMETER);
          this.write(real, t, index + i, tce);
        }
        return ok(RC_SUCCESS);
      }
    }
  }
}

const TIER_NAMES = ['realmode', 'virtmode', 'userspace'];

function runAgainstKvmModel(steps: ModelStep[], mode: Mode, rangeCheck: 'full' | 'firstPage', multi: boolean, seen: Set<string>): void {
  const machine = new Machine(modelMachineConfig(rangeCheck, multi), mode);
  const model = new KvmModel(mode, rangeCheck === 'firstPage', multi);
  steps.forEach((s, n) => {
    if (s.kind === 'hostPage') {
      machine.tables.ram.setHostPageState(Number(s.gpa), s);
      model.hostPage(s.gpa, s.absent || s.huge || s.old);
      return;
    }
    const c = s.call;
    if (c.opcode === OP_INDIRECT) writeList(machine, model.ram, c.arg ?? 0n, s.list);
    const got = machine.call(c);
    const want = model.call(c);
    const where = `got ret ${got.ret} from ${TIER_NAMES[got.answeredBy]} (path ${describePath(got)}), model says ${want.answer.ret} from ${TIER_NAMES[want.tier]}`;
    if (got.ret !== want.answer.ret || got.answeredBy !== want.tier) fail(n, c, where);
    if (got.tce !== want.answer.tce) fail(n, c, `tce ${hex(got.tce)}, model says ${hex(want.answer.tce)}`);
    for (const mt of model.tables) {
      const d = diffTables(machine.nonZeroEntries(Number(mt.liobn)), byIoba(mt));
      if (d !== null) fail(n, c, `table ${hex(mt.liobn)}: ${d} (${where})`);
    }
    assertUnlocked(machine, n, c);
    seen.add(`${c.opcode}/${want.tier}/${want.answer.ret}`);
  });
}

let seed = 0x5eed0300;
for (const mode of ['realmode', 'virtmode'] as const) {
  for (const rangeCheck of ['full', 'firstPage'] as const) {
    for (const multi of [true, false]) {
      const runSeed = seed++;
      test(`${mode}, rangeCheck ${rangeCheck}, in-kernel multi-TCE ${multi}: answers, answering tier and tables follow the KVM+QEMU model`, () => {
        const seen = new Set<string>();
        fc.assert(fc.property(arbModelSteps(true), (steps) => runAgainstKvmModel(steps, mode, rangeCheck, multi, seen)), { seed: runSeed, numRuns: 60, includeErrorInReport: true });
        // The sequences reach every tier with both answers the kernel gives.
        const tiersSeen = new Set([...seen].map((k) => k.split('/')[1]));
        assert.ok(tiersSeen.has(String(TIER_V)) && tiersSeen.has(String(TIER_U)), [...seen].join(' '));
        if (mode === 'realmode') assert.ok(tiersSeen.has(String(TIER_R)), [...seen].join(' '));
      });
    }
  }
}

test('the model itself: section 6 disagreements on a fresh machine', () => {
  const r = new KvmModel('realmode', false, true);
  const v = new KvmModel('virtmode', false, true);
  const both = (c: HcallArgs): string => [r, v].map((m) => { const a = m.call(c); return `${a.answer.ret}@${TIER_NAMES[a.tier]}`; }).join(' ');
  // misaligned ioba: the kernel refuses
  assert.is(both({ opcode: OP_PUT, liobn: 0x80000000n, ioba: 0x1008n, arg: 0n }), '-4@realmode -4@virtmode');
  // a misaligned TCE address on a fresh page: real mode cannot check it yet, so both end in QEMU
  assert.is(both({ opcode: OP_PUT, liobn: 0x80000000n, ioba: 0x1000n, arg: 0x2803n }), '0@userspace 0@userspace');
  // the page is allocated now (QEMU touched it): real mode refuses the same call
  assert.is(both({ opcode: OP_PUT, liobn: 0x80000000n, ioba: 0x2000n, arg: 0x2803n }), '-4@realmode 0@userspace');
  // npages == 0
  assert.is(both({ opcode: OP_STUFF, liobn: 0x80000000n, ioba: 0x1000n, arg: 0n, npages: 0n }), '0@realmode 0@virtmode');
  // STUFF with permission bits
  assert.is(both({ opcode: OP_STUFF, liobn: 0x80000000n, ioba: 0x1000n, arg: 0x3003n, npages: 2n }), '-4@realmode -4@virtmode');
  // unknown LIOBN
  assert.is(both({ opcode: OP_GET, liobn: 0x80000002n, ioba: 0n }), '-4@userspace -4@userspace');
});

test.run();
