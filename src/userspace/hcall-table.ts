import { F_OPCODE } from '../papr/frame.js';
import { F_MACHINE_EVENT } from '../shared-memory/frame-slots.js';
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE, hcallName } from '../papr/hcalls.js';
import { H_FUNCTION } from '../papr/return-codes.js';
import { H_RTAS } from '../papr/rtas.js';
import { userspaceHGetTce } from './h-get-tce.js';
import { userspaceHPutTce } from './h-put-tce.js';
import { userspaceHRtas } from './h-rtas.js';
import { userspaceQemuEvent } from './h-machine-event.js';
import { userspaceHPutTceIndirect } from './h-put-tce-indirect.js';
import { userspaceHStuffTce } from './h-stuff-tce.js';
import type { SpaprIommu } from './spapr-iommu.js';

export type UserspaceHandler = (q: SpaprIommu, f: Int32Array) => number;

/**
 * QEMU's hypercall registration (spapr_register_hypercall / spapr_hypercall): one handler per
 * opcode, registering twice is a bug, and anything unregistered answers H_FUNCTION.
 */
export class HcallTable {
  private readonly handlers = new Map<number, UserspaceHandler>();

  register(opcode: number, handler: UserspaceHandler): void {
    if (this.handlers.has(opcode)) throw new Error(`hcall ${hcallName(opcode)} is already registered`);
    this.handlers.set(opcode, handler);
  }

  call(q: SpaprIommu, f: Int32Array): number {
    // A machine event is told by the frame word only tcesim writes, never by its opcode.
    if (f[F_MACHINE_EVENT] !== 0) return userspaceQemuEvent(q, f);
    const handler = this.handlers.get(f[F_OPCODE] as number);
    return handler === undefined ? H_FUNCTION : handler(q, f);
  }
}

/**
 * The TCE hypercalls QEMU's sPAPR IOMMU registers (spapr_tce_table_class_init), and H_RTAS
 * (spapr_rtas.c) for the DDW calls. Machine events are no hcall: HcallTable.call takes them by
 * their frame word.
 */
export function spaprTceHcalls(): HcallTable {
  const table = new HcallTable();
  table.register(H_PUT_TCE, userspaceHPutTce);
  table.register(H_GET_TCE, userspaceHGetTce);
  table.register(H_STUFF_TCE, userspaceHStuffTce);
  table.register(H_PUT_TCE_INDIRECT, userspaceHPutTceIndirect);
  table.register(H_RTAS, userspaceHRtas);
  return table;
}
