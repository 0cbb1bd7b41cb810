/**
 * The JSON forms of `machine.host` and `machine.groups[]` (../shared/conformance/FORMAT.md
 * version 2), shared by conformance vectors and machine-description files. Every field is
 * optional with FORMAT's defaults; an unknown field is an error naming it.
 */
import { checkFields, isPlainObject, parseBool, parseSmallInt, parseString, parseU64, type Reader } from '../conformance/values.js';
import { defaultHostConfig, type HostConfig } from './host-config.js';
import { defaultGroupConfig, type GroupConfig } from './iommu-group.js';

const HOST_FIELDS = ['ramUserAddr', 'ramHostPhys', 'ramBackingShift', 'lockedLimit'] as const;
const GROUP_FIELDS = ['id', 'phb', 'ops', 'tce32Start', 'tce32Size', 'pageSizes', 'maxWindows', 'maxLevels', 'hostBusy'] as const;

/** A JS number that holds the address exactly (below 2^53). */
function address(v: unknown, field: string, fail: Reader): number {
  const a = parseU64(v, field, fail);
  if (a >= 2n ** 53n) fail(field, `${JSON.stringify(v)} must be below 2^53`);
  return Number(a);
}

export function parseHostConfig(v: unknown, where: string, fail: Reader): HostConfig {
  if (!isPlainObject(v)) fail(where, 'must be an object');
  checkFields(v, HOST_FIELDS, where, fail);
  const h = defaultHostConfig();
  if (v['ramUserAddr'] !== undefined) h.ramUserAddr = address(v['ramUserAddr'], `${where}.ramUserAddr`, fail);
  if (v['ramHostPhys'] !== undefined) h.ramHostPhys = address(v['ramHostPhys'], `${where}.ramHostPhys`, fail);
  if (v['ramBackingShift'] !== undefined) h.ramBackingShift = parseSmallInt(v['ramBackingShift'], `${where}.ramBackingShift`, fail, 12, 34);
  const limit = v['lockedLimit'];
  if (limit !== undefined) h.lockedLimit = limit === 'unlimited' ? Infinity : address(limit, `${where}.lockedLimit`, fail);
  if (h.ramUserAddr % 2 ** 12 !== 0 || h.ramHostPhys % 2 ** 12 !== 0) fail(where, 'ramUserAddr and ramHostPhys must be 4 KiB aligned');
  return h;
}

export function parseGroupConfigs(v: unknown, where: string, fail: Reader): GroupConfig[] {
  if (!Array.isArray(v)) fail(where, 'must be an array');
  const seen = new Set<number>();
  return v.map((g, i) => {
    const at = `${where}[${i}]`;
    if (!isPlainObject(g)) fail(at, 'must be an object');
    checkFields(g, GROUP_FIELDS, at, fail);
    if (g['id'] === undefined) fail(`${at}.id`, 'is required');
    const id = parseSmallInt(g['id'], `${at}.id`, fail, 0, 0xffff);
    if (seen.has(id)) fail(`${at}.id`, `group ${id} is listed twice`);
    seen.add(id);
    const c = defaultGroupConfig(id, g['phb'] === undefined ? 0 : parseSmallInt(g['phb'], `${at}.phb`, fail, 0, 255));
    if (g['ops'] !== undefined) {
      const ops = parseString(g['ops'], `${at}.ops`, fail);
      if (ops !== 'ddw' && ops !== 'legacy') fail(`${at}.ops`, `${JSON.stringify(ops)} must be "ddw" or "legacy"`);
      c.ops = ops;
    }
    if (g['tce32Start'] !== undefined) c.tce32Start = parseU64(g['tce32Start'], `${at}.tce32Start`, fail);
    if (g['tce32Size'] !== undefined) c.tce32Size = parseU64(g['tce32Size'], `${at}.tce32Size`, fail);
    if (c.tce32Start % 4096n !== 0n || c.tce32Size % 4096n !== 0n || c.tce32Size > 2n ** 34n) fail(at, 'tce32Start and tce32Size must be 4 KiB aligned, the window at most 16 GiB');
    if (g['pageSizes'] !== undefined) c.pageSizes = parseU64(g['pageSizes'], `${at}.pageSizes`, fail);
    if (g['maxWindows'] !== undefined) c.maxWindows = parseSmallInt(g['maxWindows'], `${at}.maxWindows`, fail, 0, 2);
    if (g['maxLevels'] !== undefined) c.maxLevels = parseSmallInt(g['maxLevels'], `${at}.maxLevels`, fail, 1, 5);
    if (g['hostBusy'] !== undefined) c.hostBusy = parseBool(g['hostBusy'], `${at}.hostBusy`, fail);
    return c;
  });
}
