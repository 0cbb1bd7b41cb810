/**
 * The wire a NIC drives: an Ethernet link of a given speed and MTU. A packet buffer of B bytes
 * leaves as ceil(B / MTU) frames, each carrying 38 bytes the buffer does not hold (preamble and
 * start delimiter 8, MAC header 14, FCS 4, inter-frame gap 12: IEEE 802.3), so the link carries
 * at most linkBits/8 x B / (B + 38 x frames) buffer bytes per second, whatever the CPU does.
 */
import { intParam } from './params.js';
import type { WorkloadParams } from './workload.js';

const ETHERNET_FRAME_OVERHEAD = 38;
/** 10 GbE, the seed's link. */
const DEFAULT_LINK_MBPS = 10_000;
export const DEFAULT_MTU = 1500;
const MAX_LINK_MBPS = 800_000;
const MIN_MTU = 576;
const MAX_MTU = 9216;

export interface NicWire {
  /** Link speed in Mbit/s (10 GbE = 10000). */
  readonly linkMbps: number;
  /** Largest frame payload in bytes. */
  readonly mtu: number;
}

export function nicWire(workload: string, params: WorkloadParams): NicWire {
  return {
    linkMbps: intParam(workload, params, 'link', DEFAULT_LINK_MBPS, 1, MAX_LINK_MBPS),
    mtu: intParam(workload, params, 'mtu', DEFAULT_MTU, MIN_MTU, MAX_MTU),
  };
}

export const WIRE_PARAMS: Readonly<Record<string, string>> = {
  link: `link speed in Mbit/s (e.g. 1000 for 1 GbE; default ${DEFAULT_LINK_MBPS}, 10 GbE)`,
  mtu: `largest frame payload in bytes, ${MIN_MTU} to ${MAX_MTU} (default ${DEFAULT_MTU})`,
};

function framesPerBuffer(w: NicWire, bufferBytes: number): number {
  return Math.max(1, Math.ceil(bufferBytes / w.mtu));
}

/** The share of the link's bits that are buffer bytes, for buffers of `bufferBytes`. */
function wireEfficiency(w: NicWire, bufferBytes: number): number {
  return bufferBytes / (bufferBytes + ETHERNET_FRAME_OVERHEAD * framesPerBuffer(w, bufferBytes));
}

/** The most buffer bytes per second the link carries. */
export function wireBytesPerSec(w: NicWire, bufferBytes: number): number {
  return w.linkMbps * 1e6 / 8 * wireEfficiency(w, bufferBytes);
}
