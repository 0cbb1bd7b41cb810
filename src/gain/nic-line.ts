/**
 * The NIC's throughput under a `tcesim run` report: the report's MB/s is the rate the hypercall
 * path maps buffers at; a NIC carries the lesser of that and its wire (src/gain/throughput.ts).
 */
import type { VcpuTotals } from '../pipeline/vcpu.js';
import { formatFigure } from '../regression/text-table.js';
import { nicBuffer } from '../workload/nic.js';
import { nicWire, wireBytesPerSec } from '../workload/nic-wire.js';
import type { WorkloadParams } from '../workload/workload.js';
import { throughputOf } from './throughput.js';

/** One line for a nic run; null for other workloads. */
export function nicThroughputLine(workload: string, params: WorkloadParams, vcpus: readonly Pick<VcpuTotals, 'clockNs' | 'mappedBytes'>[]): string | null {
  if (workload !== 'nic') return null;
  const wire = nicWire('nic', params);
  const b = nicBuffer(params);
  const t = throughputOf(vcpus.map((v) => ({ clockNs: v.clockNs, payloadBytes: v.mappedBytes / (b.pages * 4096) * b.bytes })), wireBytesPerSec(wire, b.bytes));
  return `nic: ${formatFigure(t.bytesPerSec / 1e6)} MB/s of ${b.bytes}-byte buffers on its ${wire.linkMbps.toLocaleString('en-US')} Mbit/s link, `
    + `limited by the ${t.limitedBy === 'wire' ? 'wire' : 'hypercall path'} (hypercall path ${formatFigure(t.pathBytesPerSec / 1e6)} MB/s, wire ${formatFigure(t.wireBytesPerSec / 1e6)} MB/s; tcesim gain compares the machines)`;
}
