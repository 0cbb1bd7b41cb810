import type { HostConfig } from '../host/host-config.js';
import type { GroupConfig } from '../host/iommu-group.js';
import type { PassthroughPlan } from '../userspace/vfio-setup.js';

/** The host and passed-through devices (src/host, src/userspace/vfio-setup.ts). */
export interface PassthroughConfig {
  host: HostConfig;
  groups: GroupConfig[];
  devices: PassthroughPlan[];
}
import type { PhbConfig } from '../userspace/spapr-phb.js';

export interface TableConfig {
  liobn: number;
  busOffset: bigint;
  pageShift: number;
  entries: number;
  /** The table exists only in the QEMU model, in every mode. */
  userspaceOnly: boolean;
}

export interface MachineConfig {
  ramBytes: bigint;
  /** Host page shift: a kernel backing page holds 2^(hostPageShift-3) TCEs. */
  hostPageShift: number;
  /** Whether H_PUT_TCE_INDIRECT and H_STUFF_TCE are enabled in the kernel. */
  inKernelMultiTce: boolean;
  /** 'full': the whole multi-page range is checked; 'firstPage': as KVM since 2017. */
  rangeCheck: 'full' | 'firstPage';
  tables: TableConfig[];
  /** sPAPR PHBs: each has two DMA windows (tables), the default one enabled at start. */
  phbs: PhbConfig[];
  /** Registry size: tables that may exist at once. */
  maxTables: number;
  /** TCE entries all tables may hold; 0 picks room for the configured tables plus 2^20. */
  arenaEntries: number;
  /** Compare-and-swap attempts real mode makes before a contended lock is H_TOO_HARD. */
  spinBudget: number;
  /** Host, IOMMU groups and passed-through devices; absent: emulated devices only. */
  passthrough?: PassthroughConfig;
}

/** The sPAPR PHB default window: LIOBN 0x80000000, bus offset 0, 1 GiB of 4 KiB pages. */
export function defaultPhbTable(): TableConfig {
  return { liobn: 0x80000000, busOffset: 0n, pageShift: 12, entries: 262144, userspaceOnly: false };
}

export function defaultMachineConfig(): MachineConfig {
  return {
    ramBytes: 0x40000000n,
    hostPageShift: 16,
    inKernelMultiTce: true,
    rangeCheck: 'full',
    tables: [defaultPhbTable()],
    phbs: [],
    maxTables: 16,
    arenaEntries: 0,
    spinBudget: 64,
  };
}
