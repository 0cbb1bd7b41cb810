/**
 * Machine descriptions for `tcesim run --machine FILE` (docs/machine-file.md): guest RAM, the
 * host (RAM placement, backing page size, RLIMIT_MEMLOCK), IOMMU groups, and which devices are
 * passed through — container version, preregistration, the KVM link, and the guest windows
 * (LIOBNs of the workload's tables) each one does DMA through. Without a device, a run
 * simulates emulated devices only.
 */
import { readFileSync } from 'node:fs';
import { checkFields, isPlainObject, parseBool, parseSmallInt, parseString, parseU64, type Reader } from '../conformance/values.js';
import { defaultHostConfig, type HostConfig } from '../host/host-config.js';
import { parseGroupConfigs, parseHostConfig } from '../host/host-json.js';
import { defaultGroupConfig, type GroupConfig } from '../host/iommu-group.js';
import type { PassthroughConfig, TableConfig } from './machine-config.js';

const MACHINE_FORMAT = 'tcesim-machine/1';

export interface DeviceDescription {
  group: number;
  container: 'v1' | 'v2';
  preregister: boolean;
  kvmLink: boolean;
  /**
   * LIOBNs the device does DMA through; 'all' of the workload's tables; or 'each': one such
   * device per table (a NIC per vCPU), the k-th with its own copy of the group, id group + k.
   */
  windows: 'all' | 'each' | number[];
}

export interface MachineDescription {
  /** Where it came from (a file name, or the flags), for messages and the log. */
  source: string;
  ramBytes?: bigint;
  hostPageShift?: number;
  inKernelMultiTce?: boolean;
  host: HostConfig;
  groups: GroupConfig[];
  devices: DeviceDescription[];
}

/** A machine file that cannot be used: names the file and the field. */
export class MachineFileError extends Error {
  constructor(readonly file: string, readonly field: string, problem: string) {
    super(`${file}: ${field}: ${problem}`);
    this.name = 'MachineFileError';
  }
}

const TOP = ['format', 'about', 'ramBytes', 'hostPageShift', 'inKernelMultiTce', 'host', 'groups', 'devices'] as const;
const DEVICE = ['group', 'container', 'preregister', 'kvmLink', 'windows', 'about'] as const;

export function readMachineFile(file: string): MachineDescription {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MachineFileError(file, '(file)', e instanceof Error ? e.message : String(e));
  }
  return parseMachineDescription(json, file);
}

export function parseMachineDescription(v: unknown, file: string): MachineDescription {
  const fail: Reader = (field, problem) => {
    throw new MachineFileError(file, field, problem);
  };
  if (!isPlainObject(v)) fail('(top)', 'must be a JSON object');
  checkFields(v, TOP, '', fail);
  if (v['format'] !== MACHINE_FORMAT) fail('format', `must be "${MACHINE_FORMAT}"`);
  const d: MachineDescription = {
    source: file,
    host: v['host'] === undefined ? defaultHostConfig() : parseHostConfig(v['host'], 'host', fail),
    groups: v['groups'] === undefined ? [] : parseGroupConfigs(v['groups'], 'groups', fail),
    devices: [],
  };
  if (v['ramBytes'] !== undefined) d.ramBytes = parseU64(v['ramBytes'], 'ramBytes', fail);
  if (v['hostPageShift'] !== undefined) d.hostPageShift = parseSmallInt(v['hostPageShift'], 'hostPageShift', fail, 12, 24);
  if (v['inKernelMultiTce'] !== undefined) d.inKernelMultiTce = parseBool(v['inKernelMultiTce'], 'inKernelMultiTce', fail);
  const devices = v['devices'] ?? [];
  if (!Array.isArray(devices)) fail('devices', 'must be an array');
  const used = new Set<number>();
  devices.forEach((x, i) => {
    const at = `devices[${i}]`;
    if (!isPlainObject(x)) fail(at, 'must be an object');
    checkFields(x, DEVICE, at, fail);
    if (x['group'] === undefined) fail(`${at}.group`, 'is required');
    const group = parseSmallInt(x['group'], `${at}.group`, fail, 0, 0xffff);
    const g = d.groups.find((y) => y.id === group);
    if (g === undefined) fail(`${at}.group`, `group ${group} is not in groups[]`);
    if (used.has(group)) fail(`${at}.group`, `group ${group} is passed through twice`);
    used.add(group);
    const container = x['container'] === undefined ? (g.ops === 'legacy' ? 'v1' : 'v2') : parseString(x['container'], `${at}.container`, fail);
    if (container !== 'v1' && container !== 'v2') fail(`${at}.container`, `${JSON.stringify(container)} must be "v1" or "v2"`);
    if ((container === 'v1') !== (g.ops === 'legacy')) fail(`${at}.container`, `a ${container} container cannot take a "${g.ops}" group (EPERM): use ${g.ops === 'legacy' ? 'v1' : 'v2'}`);
    let windows: 'all' | 'each' | number[] = 'each';
    const w = x['windows'];
    if (w === 'all') windows = 'all';
    else if (w !== undefined && w !== 'each') {
      if (!Array.isArray(w) || w.length === 0) fail(`${at}.windows`, 'must be "each", "all" or a non-empty array of LIOBNs');
      windows = w.map((l, k) => parseSmallInt(l, `${at}.windows[${k}]`, fail, 0, 0xffffffff));
    }
    d.devices.push({
      group, container,
      preregister: x['preregister'] === undefined ? true : parseBool(x['preregister'], `${at}.preregister`, fail),
      kvmLink: x['kvmLink'] === undefined ? true : parseBool(x['kvmLink'], `${at}.kvmLink`, fail),
      windows,
    });
  });
  return d;
}

export interface MachineFlags {
  /** --vfio v1|v2: one passed-through device behind every window. */
  vfio?: 'v1' | 'v2';
  /** --no-kvm-link */
  noKvmLink?: boolean;
  /** --no-prereg */
  noPrereg?: boolean;
  /** --locked-limit BYTES|unlimited */
  lockedLimit?: number;
}

/** The short flags' machine: group 1 (DDW for v2, legacy for v1) behind every window of the workload. */
export function machineFromFlags(f: MachineFlags, base: MachineDescription | null): MachineDescription | null {
  let d = base;
  if (f.vfio !== undefined) {
    const g = { ...defaultGroupConfig(1, 0), ops: f.vfio === 'v1' ? 'legacy' as const : 'ddw' as const };
    d = { source: `--vfio ${f.vfio}`, host: base?.host ?? defaultHostConfig(), groups: [g], devices: [{ group: 1, container: f.vfio, preregister: true, kvmLink: true, windows: 'each' }] };
    if (base !== null) d = { ...base, source: `${base.source} ${d.source}`, groups: d.groups, devices: d.devices };
  }
  if (f.noKvmLink !== true && f.noPrereg !== true && f.lockedLimit === undefined) return d;
  if (d === null) throw new RangeError('--no-kvm-link, --no-prereg and --locked-limit need --vfio or --machine');
  return {
    ...d,
    host: f.lockedLimit === undefined ? d.host : { ...d.host, lockedLimit: f.lockedLimit },
    devices: d.devices.map((x) => ({ ...x, kvmLink: f.noKvmLink === true ? false : x.kvmLink, preregister: f.noPrereg === true ? false : x.preregister })),
  };
}

/** The passthrough part of a machine config, with each device's windows resolved against the workload's tables. */
export function passthroughOf(d: MachineDescription, tables: readonly TableConfig[]): PassthroughConfig {
  const groups = [...d.groups];
  const devices: DeviceDescription[] = [];
  for (const x of d.devices) {
    if (x.windows !== 'each') {
      devices.push(x);
      continue;
    }
    const g = d.groups.find((y) => y.id === x.group)!;
    tables.forEach((t, k) => {
      const id = x.group + k;
      if (k > 0) {
        if (groups.some((y) => y.id === id)) throw new RangeError(`${d.source}: device of group ${x.group} on every window needs group ids ${x.group}..${x.group + tables.length - 1}, but ${id} is taken`);
        groups.push({ ...g, id, phb: g.phb + k });
      }
      devices.push({ ...x, group: id, windows: [t.liobn] });
    });
  }
  return {
    host: d.host,
    groups,
    devices: devices.map((x) => {
      const liobns = x.windows === 'all' || x.windows === 'each' ? tables.map((t) => t.liobn) : x.windows;
      for (const l of liobns) {
        if (!tables.some((t) => t.liobn === l)) throw new RangeError(`${d.source}: device of group ${x.group}: the workload has no window with liobn 0x${l.toString(16)}`);
      }
      return { group: x.group, container: x.container, preregister: x.preregister, kvmLink: x.kvmLink, liobns };
    }),
  };
}
