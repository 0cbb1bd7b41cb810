/**
 * Format /2 final checks of the host side: `finalHardware` (every non-zero hardware TCE of every
 * group's windows, by group, window start and bus address; anything not listed must be zero)
 * and `finalHost` (locked bytes, pinned pages, preregistered regions — the fields given;
 * lockedBytes may be given per mode).
 */
import { parsePerMode } from './per-mode.js';
import type { FinalCheck, RunState } from './step-kinds.js';
import { checkFields, isPlainObject, parseSmallInt, parseU64, type Reader } from './values.js';
import { passthroughOfConfig } from './vfio-v2-host-machine.js';

type Hardware = Map<number, Map<bigint, Map<bigint, bigint>>>;

function parseHardware(v: unknown, where: string, fail: Reader): Hardware {
  if (!isPlainObject(v)) fail(where, 'must be an object of group id → window start → iova → tce');
  const out: Hardware = new Map();
  for (const [g, windows] of Object.entries(v)) {
    const id = parseSmallInt(/^\d+$/.test(g) ? Number(g) : g, `${where}.${g}`, fail, 0, 0xffff);
    if (!isPlainObject(windows)) fail(`${where}.${g}`, 'must be an object of window start → entries');
    const ws = new Map<bigint, Map<bigint, bigint>>();
    for (const [start, entries] of Object.entries(windows)) {
      const s = parseU64(start, `${where}.${g}.${start}`, fail);
      if (!isPlainObject(entries)) fail(`${where}.${g}.${start}`, 'must be an object of iova → tce');
      const es = new Map<bigint, bigint>();
      for (const [iova, tce] of Object.entries(entries)) es.set(parseU64(iova, `${where}.${g}.${start}.${iova}`, fail), parseU64(tce, `${where}.${g}.${start}.${iova}`, fail));
      ws.set(s, es);
    }
    out.set(id, ws);
  }
  return out;
}

const hex = (x: bigint): string => `0x${x.toString(16)}`;

function checkHardware(want: Hardware, s: RunState): string[] {
  const host = s.machine.host;
  if (host === null) return ['finalHardware: the machine has no host'];
  const t = s.machine.tables;
  const out: string[] = [];
  for (const [id, g] of host.groups) {
    const expected = want.get(id) ?? new Map<bigint, Map<bigint, bigint>>();
    const got = new Map<bigint, Map<bigint, bigint>>();
    for (const hw of g.tables()) {
      const start = t.hwBusOffset(hw);
      const shift = BigInt(t.hwPageShift(hw));
      const es = new Map<bigint, bigint>();
      const n = t.hwEntries(hw);
      for (let e = 0; e < n; e++) {
        if (!t.hwLevelPresent(hw, e)) continue;
        const lo = t.hwEntryLo(hw, e);
        const hi = t.hwEntryHi(hw, e);
        if (lo !== 0 || hi !== 0) es.set(start + (BigInt(e) << shift), (BigInt(hi) << 32n) | BigInt(lo));
      }
      got.set(start, es);
    }
    for (const start of new Set([...expected.keys(), ...got.keys()])) {
      const a = expected.get(start) ?? new Map<bigint, bigint>();
      const b = got.get(start);
      if (b === undefined && a.size > 0) {
        out.push(`finalHardware: group ${id} has no window at ${hex(start)}`);
        continue;
      }
      for (const iova of new Set([...a.keys(), ...(b ?? new Map<bigint, bigint>()).keys()])) {
        const x = a.get(iova) ?? 0n;
        const y = b?.get(iova) ?? 0n;
        if (x !== y) out.push(`finalHardware: group ${id} window ${hex(start)} iova ${hex(iova)}: expected ${hex(x)}, got ${hex(y)}`);
      }
    }
  }
  for (const id of want.keys()) if (!host.groups.has(id)) out.push(`finalHardware: no group ${id}`);
  return out;
}

export const finalHardwareCheck: FinalCheck = {
  key: 'finalHardware',
  since: 2,
  parse(v, where, env) {
    passthroughOfConfig(env.machine);
    const want = parseHardware(v, where, env.fail);
    return (s) => checkHardware(want, s);
  },
};

export const finalHostCheck: FinalCheck = {
  key: 'finalHost',
  since: 2,
  parse(v, where, env) {
    const fail: Reader = env.fail;
    passthroughOfConfig(env.machine);
    if (!isPlainObject(v)) fail(where, 'must be an object');
    checkFields(v, ['lockedBytes', 'pinnedPages', 'regions'], where, fail);
    // Per mode when it differs: the kernel modes also hold KVM's tables in locked memory.
    const locked = v['lockedBytes'] === undefined ? undefined : parsePerMode(v['lockedBytes'], `${where}.lockedBytes`, fail, (x, field) => parseU64(x, field, fail));
    const pinned = v['pinnedPages'] === undefined ? undefined : parseU64(v['pinnedPages'], `${where}.pinnedPages`, fail);
    const regions = v['regions'] === undefined ? undefined : parseU64(v['regions'], `${where}.regions`, fail);
    return (s: RunState) => {
      const host = s.machine.host;
      if (host === null) return ['finalHost: the machine has no host'];
      const out: string[] = [];
      const m = host.memory;
      const lockedHere = locked?.[s.mode];
      if (lockedHere !== undefined && BigInt(m.lockedBytes) !== lockedHere) out.push(`finalHost: lockedBytes expected ${hex(lockedHere)}, got 0x${m.lockedBytes.toString(16)}`);
      if (pinned !== undefined && BigInt(m.pinnedPages) !== pinned) out.push(`finalHost: pinnedPages expected ${pinned}, got ${m.pinnedPages}`);
      if (regions !== undefined && BigInt(host.prereg.count) !== regions) out.push(`finalHost: regions expected ${regions}, got ${host.prereg.count}`);
      return out;
    };
  },
};
