/**
 * The host side that the KVM tiers write through, in shared memory: hardware IOMMU tables
 * (attached to a guest-view table through KVM-VFIO) and preregistered memory regions
 * (mm_iommu). Real mode reads and updates them without allocating; only the main thread
 * creates them.
 *
 * Addresses: the QEMU process maps guest RAM at UA_BASE (so ua = UA_BASE + gpa), and pinned
 * guest pages sit at HPA_BASE in host physical memory (hpa = HPA_BASE + gpa). A hardware TCE
 * holds hpa | permission bits.
 */
import { TCE_PERM_MASK } from '../papr/tce.js';

/** Defaults of machine.host (../shared/conformance/FORMAT.md): ramUserAddr and ramHostPhys. */
export const UA_BASE = 0x7f0000000000;
export const HPA_BASE = 0x2000000000;

const HOST_HEADER_WORDS = 16;
const HW_SLOT_WORDS = 16;
const REGION_SLOT_WORDS = 16;

const HH_MAX_HW = 0;
const HH_MAX_REGIONS = 1;
/** Regions not free (live or unregistering): real mode asks "any at all?" on every INDIRECT. */
const HH_REGION_COUNT = 2;
/** Float64 words (Int32 word pairs 4-5 and 6-7): where guest RAM sits in QEMU's address space and in host memory. */
const HH_UA_BASE_F64 = 2;
const HH_HPA_BASE_F64 = 3;

export const HW_STATE = 0;
export const HW_PAGE_SHIFT = 1;
export const HW_ENTRIES = 2;
export const HW_BUS_LO = 3;
export const HW_BUS_HI = 4;
/** First entry in the shared arena. */
export const HW_DATA = 5;
/** 1 once the userspace-address cache (it_userspace) exists; only virtual mode allocates it. */
export const HW_UA_CACHE = 6;
/** log2 of entries per indirect level page; 0 for a single-level table. */
export const HW_LEVEL_SHIFT = 7;
/** First level-page flag in the page-flag array. */
export const HW_LEVEL_BASE = 8;
/** HWF_* bits. */
export const HW_FLAGS = 9;
/** Levels the table was created with (1 to 5). */
export const HW_LEVELS = 10;

/**
 * The table belongs to a v1 container: its pages are pinned by VFIO map by map, not
 * preregistered, so KVM cannot account a mapping or its removal and leaves every write to QEMU.
 */
export const HWF_USERSPACE_PINNED = 1;

const R_STATE = 0;
const R_PAGE_SHIFT = 1;
/** Hardware entries that point into the region. */
const R_MAPPED = 2;
/** Float64 word pairs: the region's ua and size in bytes. */
const R_UA_F64_WORD = 8;
const R_BYTES_F64_WORD = 10;

export const REGION_FREE = 0;
const REGION_LIVE = 1;
/** Being unregistered: found by lookups, but no new mapping may point into it. */
const REGION_UNREGISTERING = 2;

export function hostWords(maxHw: number, maxRegions: number): number {
  return HOST_HEADER_WORDS + maxHw * HW_SLOT_WORDS + maxRegions * REGION_SLOT_WORDS;
}

export function initHostBuffer(host: SharedArrayBuffer, maxHw: number, maxRegions: number, uaBase = UA_BASE, hpaBase = HPA_BASE): void {
  const w = new Int32Array(host);
  w[HH_MAX_HW] = maxHw;
  w[HH_MAX_REGIONS] = maxRegions;
  const f = new Float64Array(host);
  f[HH_UA_BASE_F64] = uaBase;
  f[HH_HPA_BASE_F64] = hpaBase;
}

/** One thread's view of the hardware tables and preregistered regions. */
export class HostIommu {
  readonly words: Int32Array;
  readonly f64: Float64Array;
  readonly maxHw: number;
  readonly maxRegions: number;
  /** QEMU's userspace address of guest physical 0 (ua = uaBase + gpa). */
  readonly uaBase: number;
  /** Host physical address of guest physical 0 (hpa = hpaBase + gpa). */
  readonly hpaBase: number;
  private readonly regionBase: number;

  constructor(host: SharedArrayBuffer) {
    this.words = new Int32Array(host);
    this.f64 = new Float64Array(host);
    this.maxHw = this.words[HH_MAX_HW] as number;
    this.maxRegions = this.words[HH_MAX_REGIONS] as number;
    this.regionBase = HOST_HEADER_WORDS + this.maxHw * HW_SLOT_WORDS;
    this.uaBase = this.f64[HH_UA_BASE_F64] as number;
    this.hpaBase = this.f64[HH_HPA_BASE_F64] as number;
  }

  hwBase(hw: number): number {
    return HOST_HEADER_WORDS + hw * HW_SLOT_WORDS;
  }
  hwWord(hw: number, field: number): number {
    return this.words[this.hwBase(hw) + field] as number;
  }
  setHwWord(hw: number, field: number, value: number): void {
    this.words[this.hwBase(hw) + field] = value;
  }

  regionWordBase(r: number): number {
    return this.regionBase + r * REGION_SLOT_WORDS;
  }
  regionState(r: number): number {
    return Atomics.load(this.words, this.regionWordBase(r) + R_STATE);
  }
  regionPageShift(r: number): number {
    return this.words[this.regionWordBase(r) + R_PAGE_SHIFT] as number;
  }
  regionUa(r: number): number {
    return this.f64[(this.regionWordBase(r) + R_UA_F64_WORD) >> 1] as number;
  }
  regionBytes(r: number): number {
    return this.f64[(this.regionWordBase(r) + R_BYTES_F64_WORD) >> 1] as number;
  }
  regionMapped(r: number): number {
    return Atomics.load(this.words, this.regionWordBase(r) + R_MAPPED);
  }

  /** mm_iommu_preregistered: the process has at least one region. */
  anyRegion(): boolean {
    return Atomics.load(this.words, HH_REGION_COUNT) !== 0;
  }

  /** mm_iommu_lookup: the region holding all of [ua, ua + bytes), or -1. */
  regionFor(ua: number, bytes: number): number {
    for (let r = 0; r < this.maxRegions; r++) {
      if (this.regionState(r) === REGION_FREE) continue;
      const start = this.regionUa(r);
      if (ua >= start && ua + bytes <= start + this.regionBytes(r)) return r;
    }
    return -1;
  }

  /** mm_iommu_mapped_inc: fails once the region is being unregistered. */
  mappedInc(r: number): boolean {
    if (this.regionState(r) !== REGION_LIVE) return false;
    Atomics.add(this.words, this.regionWordBase(r) + R_MAPPED, 1);
    return true;
  }
  mappedDec(r: number): void {
    Atomics.sub(this.words, this.regionWordBase(r) + R_MAPPED, 1);
  }

  // --- main thread: preregistration (VFIO_IOMMU_SPAPR_REGISTER_MEMORY) ---

  /** Register guest RAM [gpa, gpa + bytes); throws naming the bad value (EINVAL on overlap). */
  registerRegion(gpa: number, bytes: number, backingPageShift: number): number {
    const ua = this.uaBase + gpa;
    if (bytes <= 0 || gpa % 4096 !== 0 || bytes % 4096 !== 0) throw new RangeError(`region 0x${gpa.toString(16)}+0x${bytes.toString(16)} must be whole 4 KiB pages`);
    let free = -1;
    for (let r = 0; r < this.maxRegions; r++) {
      if (this.regionState(r) === REGION_FREE) { if (free < 0) free = r; continue; }
      const start = this.regionUa(r);
      if (ua < start + this.regionBytes(r) && start < ua + bytes) throw new RangeError(`region at gpa 0x${gpa.toString(16)} overlaps a registered region (EINVAL)`);
    }
    if (free < 0) throw new RangeError(`no room for another preregistered region (max ${this.maxRegions})`);
    // The region's page: no larger than its natural alignment, nor than what backs it.
    let shift = backingPageShift;
    while (shift > 12 && (ua % 2 ** shift !== 0 || bytes % 2 ** shift !== 0)) shift--;
    const b = this.regionWordBase(free);
    this.words[b + R_PAGE_SHIFT] = shift;
    this.words[b + R_MAPPED] = 0;
    this.f64[(b + R_UA_F64_WORD) >> 1] = ua;
    this.f64[(b + R_BYTES_F64_WORD) >> 1] = bytes;
    Atomics.store(this.words, b + R_STATE, REGION_LIVE);
    Atomics.add(this.words, HH_REGION_COUNT, 1);
    return free;
  }

  /** Start unregistering: from now on no new mapping may point into the region. */
  beginUnregister(r: number): void {
    Atomics.store(this.words, this.regionWordBase(r) + R_STATE, REGION_UNREGISTERING);
  }

  /** Finish unregistering; 'EBUSY' (and the region stays live) while hardware entries use it. */
  unregisterRegion(r: number): 'ok' | 'EBUSY' {
    if (this.regionMapped(r) !== 0) {
      Atomics.store(this.words, this.regionWordBase(r) + R_STATE, REGION_LIVE);
      return 'EBUSY';
    }
    Atomics.store(this.words, this.regionWordBase(r) + R_STATE, REGION_FREE);
    Atomics.sub(this.words, HH_REGION_COUNT, 1);
    return 'ok';
  }
}

/** Hardware TCE value of a mapped guest page: host physical address | permission bits. */
export function hwTceLo(hpaBase: number, gpa: number, perm: number): number {
  return (((hpaBase + gpa) % 4294967296) | (perm & TCE_PERM_MASK)) >>> 0;
}
export function hwTceHi(hpaBase: number, gpa: number): number {
  return Math.floor((hpaBase + gpa) / 4294967296) >>> 0;
}
