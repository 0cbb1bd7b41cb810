/**
 * An independent, pure BigInt model of QEMU's TCE hypercalls (SPEC.md sections 1, 2 and 6),
 * written from the SPEC and not from src/:
 * - unknown LIOBN, or any of its upper 32 bits set: H_PARAMETER; other opcodes: H_FUNCTION;
 * - the ioba is masked down to the page; index = (ioba - busOffset) >> pageShift in unsigned
 *   64-bit arithmetic; index >= entries: H_PARAMETER;
 * - TCEs are stored verbatim, without any content check;
 * - INDIRECT/STUFF go entry by entry (the ioba advancing a page each time, modulo 2^64) and stop
 *   at the first failure, earlier entries staying; their answer starts as H_PARAMETER, so
 *   npages == 0 is H_PARAMETER; STUFF with npages > entries and INDIRECT with npages > 512 or
 *   a list not 4 KiB aligned are H_PARAMETER.
 * One assumption not in the SPEC: a list entry outside guest RAM reads as 0 (QEMU's
 * ldq_be_phys on unassigned memory).
 */
import type { HcallArgs } from '../../src/pipeline/machine.js';
import { MASK64, OP_GET, OP_INDIRECT, OP_PUT, OP_STUFF, RC_FUNCTION, RC_PARAMETER, RC_SUCCESS } from './support.js';

export interface ModelTable {
  readonly liobn: bigint;
  readonly busOffset: bigint;
  readonly pageShift: bigint;
  readonly entries: bigint;
  /** Held by QEMU only, in every mode (never seen by the kernel tiers). */
  readonly userspaceOnly: boolean;
  /** Non-zero entries by index. */
  readonly cells: Map<bigint, bigint>;
}

/** Guest RAM as the guest wrote it: whole aligned u64 words, absent words read as 0. */
export class ModelRam {
  readonly words = new Map<bigint, bigint>();
  constructor(readonly bytes: bigint) {}

  write(gpa: bigint, value: bigint): void {
    if (gpa % 8n === 0n && gpa + 8n <= this.bytes) this.words.set(gpa, value);
  }

  /** An aligned u64; outside RAM it reads as 0. */
  read(gpa: bigint): bigint {
    return gpa + 8n <= this.bytes ? this.words.get(gpa) ?? 0n : 0n;
  }
}

export interface ModelAnswer {
  ret: number;
  /** H_GET_TCE's value (0 for everything else and for a failed GET). */
  tce: bigint;
}

/** A table's non-zero entries keyed by ioba, as Machine.nonZeroEntries gives them. */
export function byIoba(t: ModelTable): Map<bigint, bigint> {
  const out = new Map<bigint, bigint>();
  for (const [index, tce] of t.cells) out.set(t.busOffset + (index << t.pageShift), tce);
  return out;
}

export function storeCell(t: ModelTable, index: bigint, tce: bigint): void {
  if (tce === 0n) t.cells.delete(index);
  else t.cells.set(index, tce);
}

export class QemuModel {
  /**
   * @param touch called for every entry QEMU reads or writes (a kernel-held table's backing
   * page is faulted in by any userspace access).
   */
  constructor(
    readonly tables: readonly ModelTable[],
    readonly ram: ModelRam,
    private readonly touch: (t: ModelTable, index: bigint) => void = () => {},
  ) {}

  private find(liobn: bigint): ModelTable | undefined {
    if (liobn >> 32n !== 0n) return undefined;
    return this.tables.find((t) => t.liobn === liobn);
  }

  /** put_tce_emu / get_tce_emu: the index of an already masked ioba, or undefined past the window. */
  private index(t: ModelTable, maskedIoba: bigint): bigint | undefined {
    const index = ((maskedIoba - t.busOffset) & MASK64) >> t.pageShift;
    return index < t.entries ? index : undefined;
  }

  private store(t: ModelTable, index: bigint, tce: bigint): void {
    this.touch(t, index);
    storeCell(t, index, tce);
  }

  call(c: HcallArgs): ModelAnswer {
    const arg = c.arg ?? 0n;
    const npages = c.npages ?? 0n;
    if (c.opcode !== OP_GET && c.opcode !== OP_PUT && c.opcode !== OP_STUFF && c.opcode !== OP_INDIRECT) {
      return { ret: RC_FUNCTION, tce: 0n };
    }
    const t = this.find(c.liobn);
    // A failed H_GET_TCE leaves r4 as the guest set it: the LIOBN.
    if (t === undefined) return { ret: RC_PARAMETER, tce: c.opcode === OP_GET ? c.liobn : 0n };
    const pageSize = 1n << t.pageShift;
    const ioba = c.ioba & ~(pageSize - 1n) & MASK64;
    switch (c.opcode) {
      case OP_GET: {
        const index = this.index(t, ioba);
        if (index === undefined) return { ret: RC_PARAMETER, tce: c.liobn };
        this.touch(t, index);
        return { ret: RC_SUCCESS, tce: t.cells.get(index) ?? 0n };
      }
      case OP_PUT: {
        const index = this.index(t, ioba);
        if (index === undefined) return { ret: RC_PARAMETER, tce: 0n };
        this.store(t, index, arg);
        return { ret: RC_SUCCESS, tce: 0n };
      }
      case OP_STUFF: {
        if (npages > t.entries) return { ret: RC_PARAMETER, tce: 0n };
        let ret = RC_PARAMETER;
        for (let i = 0n; i < npages; i++) {
          const index = this.index(t, (ioba + i * pageSize) & MASK64);
          if (index === undefined) { ret = RC_PARAMETER; break; }
          this.store(t, index, arg);
          ret = RC_SUCCESS;
        }
        return { ret, tce: 0n };
      }
      default: {
        if (npages > 512n || (arg & 0xfffn) !== 0n) return { ret: RC_PARAMETER, tce: 0n };
        let ret = RC_PARAMETER;
        for (let i = 0n; i < npages; i++) {
          const tce = this.ram.read((arg + 8n * i) & MASK64);
          const index = this.index(t, (ioba + i * pageSize) & MASK64);
          if (index === undefined) { ret = RC_PARAMETER; break; }
          this.store(t, index, tce);
          ret = RC_SUCCESS;
        }
        return { ret, tce: 0n };
      }
    }
  }
}
