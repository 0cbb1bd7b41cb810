/**
 * The host's event records: every ioctl with its errno, every pin and release, every locked
 * memory charge and refund, and the host's state at the end — so a log alone rebuilds the pin
 * counts and locked memory (src/events/replay.ts) as it rebuilds the tables. Main thread only.
 */
import { KIND_HOST_FINAL, KIND_HOST_MEMORY, KIND_IOCTL, NO_TIER, RECORD_WORDS, R_HEAD, R_P0, recordHead } from '../events/layout.js';
import type { EventWriter } from '../events/writer.js';
import type { Host } from './host.js';
import { ioctlKindCode } from './ioctl-kinds.js';

/** From now on the host's ioctls and memory changes are appended to the log. */
export function logHost(host: Host, w: EventWriter): void {
  const r = new Int32Array(RECORD_WORDS);
  host.observer = (kind, ret, target) => {
    r.fill(0);
    r[R_HEAD] = recordHead(KIND_IOCTL, NO_TIER, 0, 0);
    r[R_P0] = ioctlKindCode(kind);
    r[R_P0 + 1] = ret;
    r[R_P0 + 2] = target;
    w.appendRaw(r, 0);
  };
  host.memory.log = (op, value) => {
    r.fill(0);
    r[R_HEAD] = recordHead(KIND_HOST_MEMORY, NO_TIER, 0, 0);
    r[R_P0] = op;
    r[R_P0 + 1] = value % 4294967296;
    r[R_P0 + 2] = Math.floor(value / 4294967296);
    w.appendRaw(r, 0);
  };
}

/** The host at the end of a run (pins held, locked bytes, regions), for replay to compare with. */
export function recordHostFinal(host: Host, w: EventWriter): void {
  const r = new Int32Array(RECORD_WORDS);
  r[R_HEAD] = recordHead(KIND_HOST_FINAL, NO_TIER, 0, 0);
  r[R_P0] = host.memory.pinnedPages;
  r[R_P0 + 1] = host.memory.lockedBytes % 4294967296;
  r[R_P0 + 2] = Math.floor(host.memory.lockedBytes / 4294967296);
  r[R_P0 + 3] = host.prereg.count;
  w.appendRaw(r, 0);
}
