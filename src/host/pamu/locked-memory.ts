/**
 * The process's locked-memory account (RLIMIT_MEMLOCK, counted in host pages like the
 * kernel's locked_vm). The PAMU container charges every page it pins for a DMA window and
 * refunds it when the window is unmapped or the container released. A charge that would pass
 * the limit is refused whole (ENOMEM) unless the process may lock without limit
 * (CAP_IPC_LOCK, modelled as an undefined limit).
 * Runs in: host model only.
 */
import { fail, OK, type PamuResult } from './errors.js';
import { HOST_PAGE_SIZE } from './process-memory.js';

export class LockedMemory {
  #pages = 0n;

  /** @param limitBytes RLIMIT_MEMLOCK in bytes; undefined = no limit (CAP_IPC_LOCK). */
  constructor(readonly limitBytes: bigint | undefined = undefined) {
    if (limitBytes !== undefined && limitBytes < 0n) throw new RangeError(`locked-memory limit ${limitBytes} is negative`);
  }

  /** Host pages charged now. */
  get pages(): bigint {
    return this.#pages;
  }

  get bytes(): bigint {
    return this.#pages * HOST_PAGE_SIZE;
  }

  charge(pages: bigint): PamuResult {
    const limit = this.limitBytes;
    if (limit !== undefined && (this.#pages + pages) * HOST_PAGE_SIZE > limit) {
      return fail('ENOMEM', `locking ${pages * HOST_PAGE_SIZE} more bytes would pass the locked-memory limit of ${limit} bytes (${this.bytes} locked)`);
    }
    this.#pages += pages;
    return OK;
  }

  refund(pages: bigint): void {
    if (pages > this.#pages) throw new Error(`refund of ${pages} pages with only ${this.#pages} charged`);
    this.#pages -= pages;
  }
}
