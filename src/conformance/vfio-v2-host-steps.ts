/**
 * Format /2 `vfio` and `kvm` steps: a VFIO ioctl by QEMU on a named container, and an
 * operation on the VM's KVM-VFIO device. Each answers 0 or an errno, checked against `expect`
 * ("OK" or an errno name, or one per mode); `expectOut` checks what GET_INFO and TCE_CREATE
 * return. Containers live for one run of the vector (a fresh machine per mode).
 */
import { errnoByName, errnoName } from '../host/errno.js';
import type { VfioContainer } from '../host/vfio/container.js';
import { vfioIommuDisable, vfioIommuEnable } from '../host/vfio/enable.js';
import { vfioIommuSpaprTceGetInfo } from '../host/vfio/get-info.js';
import { vfioGroupSetContainer, vfioGroupUnsetContainer } from '../host/vfio/group.js';
import { vfioIommuMapDma } from '../host/vfio/map-dma.js';
import { vfioIommuSpaprRegisterMemory, vfioIommuSpaprUnregisterMemory } from '../host/vfio/register-memory.js';
import { vfioContainerRelease } from '../host/vfio/release.js';
import { vfioOpenContainer, vfioSetIommu } from '../host/vfio/set-iommu.js';
import { vfioIommuSpaprTceCreate } from '../host/vfio/tce-create.js';
import { vfioIommuSpaprTceRemove } from '../host/vfio/tce-remove.js';
import { vfioIommuUnmapDma } from '../host/vfio/unmap-dma.js';
import { parsePerMode, type PerMode } from './per-mode.js';
import type { ParseEnv, RunState, StepKind, VectorStep } from './step-kinds.js';
import { checkFields, isPlainObject, parseBool, parseSmallInt, parseString, parseU64, type Reader } from './values.js';
import { passthroughOfConfig } from './vfio-v2-host-machine.js';

export const VFIO_OPS = [
  'open', 'set-iommu', 'group-attach', 'group-detach', 'get-info', 'enable', 'disable', 'register', 'unregister',
  'map', 'unmap', 'create-window', 'remove-window', 'close',
] as const;
export type VfioOp = (typeof VFIO_OPS)[number];

const OP_FIELDS: Readonly<Record<VfioOp, readonly string[]>> = {
  open: [], 'set-iommu': ['type'], 'group-attach': ['group'], 'group-detach': ['group'], 'get-info': ['expectOut'],
  enable: [], disable: [], register: ['vaddr', 'size'], unregister: ['vaddr', 'size'],
  map: ['vaddr', 'iova', 'size', 'read', 'write'], unmap: ['iova', 'size'],
  'create-window': ['pageShift', 'windowSize', 'levels', 'expectOut'], 'remove-window': ['startAddr'], close: [],
};
const INFO_OUT = ['dma32WindowStart', 'dma32WindowSize', 'flags', 'pageSizes', 'maxWindows', 'levels'] as const;
const REQUIRED: Readonly<Partial<Record<VfioOp, readonly string[]>>> = {
  'set-iommu': ['type'], 'group-attach': ['group'], 'group-detach': ['group'], register: ['vaddr', 'size'], unregister: ['vaddr', 'size'],
  map: ['vaddr', 'iova', 'size'], unmap: ['iova', 'size'], 'create-window': ['pageShift', 'windowSize'], 'remove-window': ['startAddr'],
};

export const KVM_OPS = ['group-add', 'group-del', 'set-spapr-tce'] as const;
export type KvmOp = (typeof KVM_OPS)[number];

const CONTAINERS = 'vfio-containers';

function parseErrno(v: unknown, where: string, fail: Reader): number {
  if (typeof v !== 'string' || errnoByName(v) === undefined) fail(where, `${JSON.stringify(v)} is not "OK" or a known errno name (EPERM, ENOENT, ENXIO, EBADF, ENOMEM, EFAULT, EBUSY, EEXIST, ENODEV, EINVAL, ENOTTY, ENOSPC)`);
  return errnoByName(v)!;
}

function parseExpect(v: Record<string, unknown>, where: string, fail: Reader): PerMode<number> {
  if (v['expect'] === undefined) fail(`${where}.expect`, 'is required');
  return parsePerMode(v['expect'], `${where}.expect`, fail, (x, f) => parseErrno(x, f, fail));
}

function checkGroup(v: unknown, where: string, env: ParseEnv): number {
  const id = parseSmallInt(v, where, env.fail, 0, 0xffff);
  if (!passthroughOfConfig(env.machine).groups.some((g) => g.id === id)) env.fail(where, `group ${id} is not one of machine.groups`);
  return id;
}

/** Container names opened so far in the vector, for parse-time checks (per vector being parsed). */
const opened = new WeakMap<ParseEnv, Set<string>>();

function containers(s: RunState): Map<string, VfioContainer> {
  let m = s.ext.get(CONTAINERS) as Map<string, VfioContainer> | undefined;
  if (m === undefined) s.ext.set(CONTAINERS, (m = new Map()));
  return m;
}

function mismatch(i: number, what: string, s: RunState, want: PerMode<number>, got: number): string[] {
  const w = want[s.mode];
  if (w === undefined || w === got) return [];
  return [`step ${i} ${what}: expected ${errnoName(w)}, got ${errnoName(got)}`];
}

function parseVfio(v: Record<string, unknown>, where: string, env: ParseEnv): VectorStep {
  const fail: Reader = env.fail;
  const op = v['vfio'];
  if (typeof op !== 'string' || !(VFIO_OPS as readonly string[]).includes(op)) fail(`${where}.vfio`, `${JSON.stringify(op)} is not one of ${VFIO_OPS.join(', ')}`);
  const vop = op as VfioOp;
  checkFields(v, ['vfio', 'container', 'expect', 'note', ...OP_FIELDS[vop]], where, fail);
  for (const r of REQUIRED[vop] ?? []) if (v[r] === undefined) fail(`${where}.${r}`, `is required for ${vop}`);
  if (v['note'] !== undefined) parseString(v['note'], `${where}.note`, fail);
  passthroughOfConfig(env.machine);
  const name = parseString(v['container'], `${where}.container`, fail);
  let names = opened.get(env);
  if (names === undefined) opened.set(env, (names = new Set()));
  if (vop === 'open') {
    if (names.has(name)) fail(`${where}.container`, `${JSON.stringify(name)} is opened twice`);
    names.add(name);
  } else if (!names.has(name)) fail(`${where}.container`, `${JSON.stringify(name)} is not opened by an earlier step`);
  const expect = parseExpect(v, where, fail);
  const u64 = (k: string): bigint => parseU64(v[k], `${where}.${k}`, fail);
  const bool = (k: string): boolean => (v[k] === undefined ? false : parseBool(v[k], `${where}.${k}`, fail));
  const what = `vfio ${vop} ${name}`;
  let act: (c: VfioContainer, s: RunState) => { ret: number; out?: Record<string, bigint> };
  switch (vop) {
    case 'open': act = () => ({ ret: 0 }); break;
    case 'set-iommu': {
      const raw = parseString(v['type'], `${where}.type`, fail);
      if (raw !== 'v1' && raw !== 'v2') fail(`${where}.type`, `${JSON.stringify(raw)} must be "v1" or "v2"`);
      const type: 'v1' | 'v2' = raw === 'v1' ? 'v1' : 'v2';
      act = (c) => ({ ret: vfioSetIommu(c, type) });
      break;
    }
    case 'group-attach': case 'group-detach': {
      const g = checkGroup(v['group'], `${where}.group`, env);
      act = vop === 'group-attach' ? (c) => ({ ret: vfioGroupSetContainer(c, g) }) : (c) => ({ ret: vfioGroupUnsetContainer(c, g) });
      break;
    }
    case 'get-info': act = (c) => {
      const r = vfioIommuSpaprTceGetInfo(c);
      if (r.info === undefined) return { ret: r.ret };
      const out: Record<string, bigint> = { dma32WindowStart: r.info.dma32WindowStart, dma32WindowSize: r.info.dma32WindowSize, flags: BigInt(r.info.flags) };
      if (r.info.pageSizes !== undefined) out['pageSizes'] = r.info.pageSizes;
      if (r.info.maxWindows !== undefined) out['maxWindows'] = BigInt(r.info.maxWindows);
      if (r.info.levels !== undefined) out['levels'] = BigInt(r.info.levels);
      return { ret: r.ret, out };
    }; break;
    case 'enable': act = (c) => ({ ret: vfioIommuEnable(c) }); break;
    case 'disable': act = (c) => ({ ret: vfioIommuDisable(c) }); break;
    case 'register': case 'unregister': {
      const r = { vaddr: u64('vaddr'), size: u64('size') };
      act = vop === 'register' ? (c) => ({ ret: vfioIommuSpaprRegisterMemory(c, r) }) : (c) => ({ ret: vfioIommuSpaprUnregisterMemory(c, r) });
      break;
    }
    case 'map': {
      const m = { vaddr: u64('vaddr'), iova: u64('iova'), size: u64('size'), read: bool('read'), write: bool('write') };
      act = (c) => ({ ret: vfioIommuMapDma(c, m) });
      break;
    }
    case 'unmap': {
      const u = { iova: u64('iova'), size: u64('size') };
      act = (c) => ({ ret: vfioIommuUnmapDma(c, u) });
      break;
    }
    case 'create-window': {
      const w = {
        pageShift: parseSmallInt(v['pageShift'], `${where}.pageShift`, fail, 0, 63),
        windowSize: u64('windowSize'),
        levels: v['levels'] === undefined ? 1 : parseSmallInt(v['levels'], `${where}.levels`, fail, 0, 64),
      };
      act = (c) => {
        const r = vfioIommuSpaprTceCreate(c, w);
        return r.startAddr === undefined ? { ret: r.ret } : { ret: r.ret, out: { startAddr: r.startAddr } };
      };
      break;
    }
    case 'remove-window': {
      const start = u64('startAddr');
      act = (c) => ({ ret: vfioIommuSpaprTceRemove(c, start) });
      break;
    }
    case 'close': act = (c) => ({ ret: vfioContainerRelease(c) }); break;
  }
  let expectOut: Record<string, bigint> | null = null;
  if (v['expectOut'] !== undefined) {
    const o = v['expectOut'];
    if (!isPlainObject(o)) fail(`${where}.expectOut`, 'must be an object');
    const allowed = vop === 'get-info' ? INFO_OUT : (['startAddr'] as const);
    checkFields(o, allowed, `${where}.expectOut`, fail);
    expectOut = Object.fromEntries(Object.entries(o).map(([k, x]) => [k, parseU64(x, `${where}.expectOut.${k}`, fail)]));
  }
  return {
    kind: 'vfio',
    run(s: RunState, i: number): string[] {
      const host = s.machine.host;
      if (host === null) return [`step ${i} ${what}: the machine has no host`];
      const cs = containers(s);
      let c = cs.get(name);
      if (vop === 'open') {
        c = vfioOpenContainer(host, name);
        cs.set(name, c);
      }
      const r = act(c!, s);
      const out = mismatch(i, what, s, expect, r.ret);
      if (expectOut !== null && r.ret === 0) {
        for (const [k, want] of Object.entries(expectOut)) {
          const got = r.out?.[k];
          if (got !== want) out.push(`step ${i} ${what}: ${k} expected 0x${want.toString(16)}, got ${got === undefined ? 'nothing' : `0x${got.toString(16)}`}`);
        }
      }
      return out;
    },
  };
}

function parseKvm(v: Record<string, unknown>, where: string, env: ParseEnv): VectorStep {
  const fail: Reader = env.fail;
  const op = v['kvm'];
  if (typeof op !== 'string' || !(KVM_OPS as readonly string[]).includes(op)) fail(`${where}.kvm`, `${JSON.stringify(op)} is not one of ${KVM_OPS.join(', ')}`);
  const kop = op as KvmOp;
  checkFields(v, kop === 'set-spapr-tce' ? ['kvm', 'group', 'liobn', 'expect', 'note'] : ['kvm', 'group', 'expect', 'note'], where, fail);
  if (v['note'] !== undefined) parseString(v['note'], `${where}.note`, fail);
  if (v['group'] === undefined) fail(`${where}.group`, 'is required');
  const group = checkGroup(v['group'], `${where}.group`, env);
  let liobn = 0;
  if (kop === 'set-spapr-tce') {
    if (v['liobn'] === undefined) fail(`${where}.liobn`, 'is required for set-spapr-tce');
    liobn = parseSmallInt(v['liobn'], `${where}.liobn`, fail, 0, 0xffffffff);
  }
  const expect = parseExpect(v, where, fail);
  const what = `kvm ${kop} group ${group}`;
  return {
    kind: 'kvm',
    run(s: RunState, i: number): string[] {
      const kvm = s.machine.kvmVfio;
      if (kvm === null) return [`step ${i} ${what}: the machine has no host`];
      const ret = kop === 'group-add' ? kvm.kvmVfioGroupAdd(group) : kop === 'group-del' ? kvm.kvmVfioGroupDel(group) : kvm.kvmVfioGroupSetSpaprTce(group, liobn);
      return mismatch(i, what, s, expect, ret);
    },
  };
}

export const vfioStepKind: StepKind = { key: 'vfio', since: 2, parse: parseVfio };
export const kvmStepKind: StepKind = { key: 'kvm', since: 2, parse: parseKvm };
