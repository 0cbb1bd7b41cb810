/**
 * The report rows of a run with passed-through devices: hardware-table writes (by the tier
 * that made them), pins, locked memory, preregistered regions, and VFIO / KVM-VFIO ioctls by
 * kind and errno. (The hardware path's escalation reasons — ua-cache-missing,
 * not-preregistered, … — are rows of the escalation table like every other reason.)
 */
import type { RecordSink } from '../events/drain.js';
import {
  FLAG_HW, HOST_CHARGE, HOST_PIN, HOST_REFUND, HOST_UNPIN, KIND_HOST_FINAL, KIND_HOST_MEMORY, KIND_IOCTL, KIND_WRITE, KIND_FILL, RECORD_WORDS,
  R_HEAD, R_P0, headFlags, headKind, headTier,
} from '../events/layout.js';
import { errnoName } from '../host/errno.js';
import { ioctlKindName } from '../host/ioctl-kinds.js';
import type { Host } from '../host/host.js';
import { tierName } from '../papr/tiers.js';
import type { HostReplay } from '../events/replay.js';
import type { Passthrough } from '../userspace/vfio-setup.js';

/** Counts hardware-table WRITE records as they are drained, by tier. */
export class HwWriteCounter implements RecordSink {
  count = 0;
  readonly byTier = [0, 0, 0];

  records(words: Int32Array, count: number): void {
    for (let r = 0; r < count; r++) {
      const head = words[r * RECORD_WORDS + R_HEAD] as number;
      const kind = headKind(head);
      if ((kind !== KIND_WRITE && kind !== KIND_FILL) || (headFlags(head) & FLAG_HW) === 0) continue;
      // A FILL record is a run of P2 writes.
      const n = kind === KIND_FILL ? (words[r * RECORD_WORDS + R_P0 + 2] as number) : 1;
      this.count += n;
      const tier = headTier(head);
      if (tier < 3) this.byTier[tier] = (this.byTier[tier] as number) + n;
    }
  }
}

/**
 * The host rows from a log's records alone (tcesim report LOG): hardware writes, ioctls by kind
 * and errno, pins taken and released, locked memory, regions at the end.
 */
export class HostRecordStats implements RecordSink {
  readonly hw = new HwWriteCounter();
  readonly ioctls = new Map<string, number>();
  seen = false;
  pinsTaken = 0;
  pinsReleased = 0;
  lockedBytes = 0;
  regions = -1;

  records(words: Int32Array, count: number): void {
    this.hw.records(words, count);
    for (let r = 0; r < count; r++) {
      const o = r * RECORD_WORDS;
      const kind = headKind(words[o + R_HEAD] as number);
      const p = (i: number): number => words[o + R_P0 + i] as number;
      if (kind === KIND_IOCTL) {
        this.seen = true;
        const key = `${ioctlKindName(p(0))} ${errnoName(p(1))}`;
        this.ioctls.set(key, (this.ioctls.get(key) ?? 0) + 1);
      } else if (kind === KIND_HOST_MEMORY) {
        this.seen = true;
        const value = (p(1) >>> 0) + (p(2) >>> 0) * 4294967296;
        if (p(0) === HOST_PIN) this.pinsTaken++;
        else if (p(0) === HOST_UNPIN) this.pinsReleased++;
        else if (p(0) === HOST_CHARGE) this.lockedBytes += value;
        else if (p(0) === HOST_REFUND) this.lockedBytes -= value;
      } else if (kind === KIND_HOST_FINAL) {
        this.seen = true;
        this.regions = p(3);
      }
    }
  }

  summary(): HostSummary {
    const byTier: Record<string, number> = {};
    this.hw.byTier.forEach((c, t) => { if (c > 0) byTier[tierName(t)] = c; });
    return {
      hwWrites: this.hw.count, hwWritesByTier: byTier, pinnedPages: this.pinsTaken - this.pinsReleased,
      pinsTaken: this.pinsTaken, pinsReleased: this.pinsReleased, lockedBytes: this.lockedBytes, regions: Math.max(0, this.regions),
      ioctls: [...this.ioctls].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), devices: [],
    };
  }
}

export interface HostSummary {
  readonly hwWrites: number;
  readonly hwWritesByTier: Readonly<Record<string, number>>;
  readonly pinnedPages: number;
  readonly pinsTaken: number;
  readonly pinsReleased: number;
  readonly lockedBytes: number;
  readonly regions: number;
  /** "MAP_DMA OK" → count, sorted by kind then errno. */
  readonly ioctls: ReadonlyArray<readonly [string, number]>;
  /** One line per passed-through device: container, version, the ioctl errors its listener met. */
  readonly devices: readonly string[];
}

export function hostSummary(host: Host, hwWrites: HwWriteCounter | number, devices: readonly Passthrough[]): HostSummary {
  const counter = typeof hwWrites === 'number' ? null : hwWrites;
  const byTier: Record<string, number> = {};
  if (counter !== null) counter.byTier.forEach((n, t) => { if (n > 0) byTier[tierName(t)] = n; });
  return {
    hwWrites: counter === null ? (hwWrites as number) : counter.count,
    hwWritesByTier: byTier,
    pinnedPages: host.memory.pinnedPages,
    pinsTaken: host.memory.pinsTaken,
    pinsReleased: host.memory.pinsReleased,
    lockedBytes: host.memory.lockedBytes,
    regions: host.prereg.count,
    ioctls: [...host.ioctls].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    devices: devices.map((d) => {
      const c = d.container;
      const groups = c.attached.map((g) => g.id).join(', ');
      const skipped = d.listener.skipped > 0 ? `, ${d.listener.skipped} maps outside RAM skipped` : '';
      return `${c.name}: ${c.iommu} container, group ${groups}${skipped}`;
    }),
  };
}

const n = (x: number): string => x.toLocaleString('en-US');

/** The host section of the text report. */
export function formatHostReport(s: HostSummary): string {
  const lines: string[] = [];
  lines.push('passed-through devices');
  for (const d of s.devices) lines.push(`  ${d}`);
  if (s.devices.length === 0) lines.push('  (containers as the ioctls below show)');
  const tiers = Object.entries(s.hwWritesByTier).map(([t, c]) => `${t} ${n(c)}`).join(', ');
  lines.push(`hardware TCE writes: ${n(s.hwWrites)}${tiers === '' ? '' : ` (${tiers})`}`);
  lines.push(`pins: ${n(s.pinnedPages)} held, ${n(s.pinsTaken)} taken, ${n(s.pinsReleased)} released; locked memory ${n(s.lockedBytes)} bytes; preregistered regions ${n(s.regions)}`);
  lines.push('');
  const w = Math.max(12, ...s.ioctls.map(([k]) => k.length));
  lines.push(`${'ioctl errno'.padEnd(w)}  ${'count'.padStart(9)}`);
  for (const [k, c] of s.ioctls) lines.push(`${k.padEnd(w)}  ${n(c).padStart(9)}`);
  return lines.join('\n');
}

/** replay's host line: pins and locked memory rebuilt from the log, against what the run recorded. */
export function formatHostReplay(h: HostReplay): string {
  const rebuilt = `${n(h.ioctls)} ioctls; pins held ${n(h.pinnedPages)}, locked memory ${h.lockedBytes.toLocaleString('en-US')} bytes`;
  const under = h.underflow === null ? '' : `; a release with nothing held at record ${h.underflow}`;
  if (h.recorded === null) return `host: ${rebuilt} rebuilt${under} (no final host record: the run did not finish)`;
  const same = h.recorded.pinnedPages === h.pinnedPages && h.recorded.lockedBytes === h.lockedBytes;
  return `host: ${rebuilt} rebuilt${under}; ${same ? 'as recorded' : `recorded ${n(h.recorded.pinnedPages)} pins, ${h.recorded.lockedBytes.toLocaleString('en-US')} bytes`}`;
}
