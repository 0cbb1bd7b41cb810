/**
 * What a machine sustains: each vCPU drives its own queue, so the hypercall path carries the sum
 * of what each vCPU maps per modelled second; all queues share one wire. The machine carries the
 * lesser of the two: the wire never carries more than the link, and no wire is faster than the
 * calls that feed it.
 */
export interface VcpuLoad {
  /** Modelled nanoseconds: its calls' costs plus the guest's own time. */
  readonly clockNs: number;
  /** Payload bytes it handed to the device. */
  readonly payloadBytes: number;
}

export interface Throughput {
  /** Bytes per second the hypercall path allows. */
  readonly pathBytesPerSec: number;
  /** Bytes per second the wire carries at most. */
  readonly wireBytesPerSec: number;
  /** The lesser: what the machine sustains. */
  readonly bytesPerSec: number;
  readonly limitedBy: 'hypercalls' | 'wire';
}

export function throughputOf(vcpus: readonly VcpuLoad[], wireBytesPerSec: number): Throughput {
  let path = 0;
  for (const v of vcpus) {
    // A vCPU whose calls cost nothing is limited by the wire alone.
    path += v.clockNs > 0 ? v.payloadBytes / v.clockNs * 1e9 : (v.payloadBytes > 0 ? Infinity : 0);
  }
  const wireLimited = path > wireBytesPerSec;
  return {
    pathBytesPerSec: path,
    wireBytesPerSec,
    bytesPerSec: wireLimited ? wireBytesPerSec : path,
    limitedBy: wireLimited ? 'wire' : 'hypercalls',
  };
}
