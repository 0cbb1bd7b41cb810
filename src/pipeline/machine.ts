import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO, F_OPCODE, F_OUT_HI, F_OUT_LO, F_REASON, F_RET, F_TIER, FRAME_WORDS, clearFrameOutputs } from '../papr/frame.js';
import { H_TOO_HARD } from '../papr/return-codes.js';
import { TIER_REALMODE, TIER_USERSPACE, TIER_VIRTMODE, type Mode } from '../papr/tiers.js';
import { bigHi, bigLo, toBig } from '../papr/u64.js';
import { realmodeHcall } from '../realmode/hcall.js';
import { allocateSharedMachine } from '../shared-memory/shared-machine.js';
import { TceTables } from '../shared-memory/tce-tables.js';
import { spaprTceHcalls, type HcallTable } from '../userspace/hcall-table.js';
import { SpaprIommu } from '../userspace/spapr-iommu.js';
import { virtmodeHcall } from '../virtmode/hcall.js';
import { Host } from '../host/host.js';
import { KvmVfioDevice } from '../host/kvm-vfio.js';
import { setUpPassthrough, type Passthrough } from '../userspace/vfio-setup.js';
import { forwardHotplugToVfio } from '../userspace/vfio-hotplug.js';
import type { MachineConfig, PassthroughConfig, TableConfig } from './machine-config.js';

/**
 * Arena entries the host's hardware tables may need: a legacy group's 32-bit table; for a DDW
 * group, each passed-through window at 4 KiB hardware pages, or — driven by hand (conformance
 * vectors) — twice its 32-bit window; and room for more windows.
 */
export function passthroughArenaEntries(p: PassthroughConfig | undefined, tables: readonly TableConfig[] = []): number {
  if (p === undefined) return 0;
  let n = 2 ** 20;
  for (const g of p.groups) {
    const windows = p.devices.filter((d) => d.group === g.id).flatMap((d) => d.liobns);
    if (g.ops === 'legacy') n += Number(g.tce32Size >> 12n);
    else if (windows.length === 0) n += 2 * Number(g.tce32Size >> 12n);
    for (const l of windows) {
      const t = tables.find((x) => x.liobn === l);
      if (t !== undefined && g.ops === 'ddw') n += Number((BigInt(t.entries) << BigInt(t.pageShift)) >> 12n);
    }
  }
  return n;
}

/** Hardware table slots: two windows per group, and spares. */
export function passthroughHwTables(p: PassthroughConfig | undefined): number {
  return p === undefined ? 8 : 8 + 2 * p.groups.length;
}

/** Tiers each mode tries, in order. */
export const MODE_TIERS: Readonly<Record<Mode, readonly number[]>> = {
  realmode: [TIER_REALMODE, TIER_VIRTMODE, TIER_USERSPACE],
  virtmode: [TIER_VIRTMODE, TIER_USERSPACE],
  userspace: [TIER_USERSPACE],
};

/** One step of a call's path: a tier tried, what it answered, and why if it gave up. */
export interface TierAttempt {
  tier: number;
  ret: number;
  reason: number;
}

/** Sees every tier a call goes through; for logs and tests. Called outside any lock. */
export type AttemptObserver = (f: Int32Array, attempt: number, tier: number, ret: number, reason: number) => void;

export interface HcallArgs {
  opcode: number;
  liobn: bigint;
  ioba: bigint;
  /** tce (PUT), tce_value (STUFF) or tce_list (INDIRECT) */
  arg?: bigint;
  npages?: bigint;
}

export interface HcallResult {
  ret: number;
  /** H_GET_TCE's value (r4). */
  tce: bigint;
  answeredBy: number;
  path: TierAttempt[];
}

const U64_MAX = (1n << 64n) - 1n;

/** API misuse is an error naming the bad value, never a silently truncated register. */
function checkHcallArgs(args: HcallArgs): void {
  if (!Number.isInteger(args.opcode) || args.opcode < 0 || args.opcode > 0xffffffff) {
    throw new RangeError(`opcode ${args.opcode} must be an integer from 0 to 0xffffffff`);
  }
  for (const key of ['liobn', 'ioba', 'arg', 'npages'] as const) {
    const v = args[key];
    if (v !== undefined && (typeof v !== 'bigint' || v < 0n || v > U64_MAX)) {
      throw new RangeError(`${key} ${String(v)} must be a bigint from 0 to 2^64-1`);
    }
  }
}

/**
 * One simulated machine in one mode: shared tables, the KVM tiers and the QEMU model, run
 * synchronously on the calling thread. (The threaded pipeline puts the same handlers on vCPU
 * threads and a worker pool.) In mode userspace no table is held by the kernel.
 */
export class Machine {
  readonly tables: TceTables;
  readonly qemu: SpaprIommu;
  readonly hcalls: HcallTable;
  readonly tiers: readonly number[];
  /** The host and KVM-VFIO device; null without passed-through devices. */
  readonly host: Host | null = null;
  readonly kvmVfio: KvmVfioDevice | null = null;
  readonly passthrough: Passthrough[] = [];
  private readonly frame = new Int32Array(new SharedArrayBuffer(FRAME_WORDS * 4));

  constructor(readonly config: MachineConfig, readonly mode: Mode) {
    const ramBytes = Number(config.ramBytes);
    // A PHB's default window, and room for the windows the guest may create.
    const phbEntries = config.phbs.reduce((n, p) => n + Number(p.dmaWinSize >> 12n), 0);
    const needed = config.tables.reduce((n, tb) => n + tb.entries, 0) + phbEntries;
    const shared = allocateSharedMachine({
      ramBytes,
      hostPageShift: config.hostPageShift,
      inKernelMultiTce: config.inKernelMultiTce,
      rangeCheck: config.rangeCheck,
      maxTables: Math.max(config.maxTables, config.tables.length + 2 * config.phbs.length),
      arenaEntries: config.arenaEntries > 0 ? config.arenaEntries : needed + 2 ** 20 + passthroughArenaEntries(config.passthrough, config.tables),
      maxHwTables: passthroughHwTables(config.passthrough),
      spinBudget: config.spinBudget,
      ramUserAddr: config.passthrough?.host.ramUserAddr,
      ramHostPhys: config.passthrough?.host.ramHostPhys,
    });
    this.tables = new TceTables(shared);
    const p = config.passthrough;
    // The host comes first: KVM charges each kernel table QEMU asks for to its locked memory.
    if (p !== undefined) this.host = new Host(this.tables, p.host, p.groups);
    this.qemu = new SpaprIommu(this.tables, { kernelTables: mode !== 'userspace', host: this.host });
    for (const tb of config.tables) this.qemu.bootTable(tb);
    for (const phb of config.phbs) this.qemu.addPhb(phb);
    this.hcalls = spaprTceHcalls();
    this.tiers = MODE_TIERS[mode];
    if (p !== undefined && this.host !== null) {
      this.kvmVfio = new KvmVfioDevice(this.host);
      forwardHotplugToVfio(this.qemu, this.host);
      for (const d of p.devices) this.passthrough.push(setUpPassthrough(this.tables, this.qemu, this.host, this.kvmVfio, d));
    }
  }

  /** Run one tier on a frame; outputs are reset first so every tier starts from the guest's arguments. */
  runTier(tier: number, f: Int32Array): number {
    clearFrameOutputs(f);
    let ret: number;
    if (tier === TIER_REALMODE) ret = realmodeHcall(this.tables, f);
    else if (tier === TIER_VIRTMODE) ret = virtmodeHcall(this.tables, f);
    else ret = this.hcalls.call(this.qemu, f);
    f[F_RET] = ret;
    f[F_TIER] = tier;
    return ret;
  }

  /** Run a call through the mode's tiers until one answers; H_TOO_HARD never reaches the guest. */
  dispatch(f: Int32Array, observe?: AttemptObserver): number {
    const tiers = this.tiers;
    for (let i = 0; i < tiers.length; i++) {
      const ret = this.runTier(tiers[i] as number, f);
      if (observe !== undefined) observe(f, i, tiers[i] as number, ret, f[F_REASON] as number);
      if (ret !== H_TOO_HARD) return ret;
    }
    // Userspace never answers H_TOO_HARD, so this is unreachable; say so loudly if it happens.
    throw new Error('no tier answered the hypercall');
  }

  /** Edge API: make one hypercall with BigInt arguments. */
  call(args: HcallArgs): HcallResult {
    checkHcallArgs(args);
    const f = this.frame;
    f.fill(0);
    f[F_OPCODE] = args.opcode;
    f[F_LIOBN_LO] = bigLo(args.liobn);
    f[F_LIOBN_HI] = bigHi(args.liobn);
    f[F_IOBA_LO] = bigLo(args.ioba);
    f[F_IOBA_HI] = bigHi(args.ioba);
    const arg = args.arg ?? 0n;
    f[F_ARG_LO] = bigLo(arg);
    f[F_ARG_HI] = bigHi(arg);
    const npages = args.npages ?? 0n;
    f[F_NPAGES_LO] = bigLo(npages);
    f[F_NPAGES_HI] = bigHi(npages);
    const path: TierAttempt[] = [];
    const ret = this.dispatch(f, (_f, _i, tier, r, reason) => path.push({ tier, ret: r, reason }));
    return { ret, tce: toBig(f[F_OUT_HI] as number, f[F_OUT_LO] as number), answeredBy: f[F_TIER] as number, path };
  }

  /** Every non-zero entry of a table, by bus address (ioba). */
  nonZeroEntries(liobn: number): Map<bigint, bigint> {
    const t = this.tables;
    const slot = t.findTable(liobn);
    if (slot < 0) throw new RangeError(`no table with liobn 0x${(liobn >>> 0).toString(16)}`);
    const out = new Map<bigint, bigint>();
    const bus = toBig(t.busOffsetHi(slot), t.busOffsetLo(slot));
    const shift = BigInt(t.pageShift(slot));
    const n = t.entries(slot);
    for (let i = 0; i < n; i++) {
      const lo = t.entryLo(slot, i);
      const hi = t.entryHi(slot, i);
      if (lo !== 0 || hi !== 0) out.set(bus + (BigInt(i) << shift), toBig(hi, lo));
    }
    return out;
  }
}
