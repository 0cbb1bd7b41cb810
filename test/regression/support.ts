import { BENCH_FORMAT, BENCH_VERSION, type BenchFile, type BenchmarkRecord, type EscalationProfile } from '../../src/regression/format.js';
import { summarize } from '../../src/regression/statistics.js';
import { Prng } from '../../src/workload/prng.js';

/** Seeded samples spread uniformly over median +- spread/2. */
export function samples(seed: number, n: number, median: number, spread: number): number[] {
  const rng = new Prng(seed, 0);
  return Array.from({ length: n }, () => median + spread * (rng.u32() / 4294967296 - 0.5));
}

export function bench(name: string, xs: readonly number[], over: Partial<BenchmarkRecord> = {}): BenchmarkRecord {
  return {
    name, group: 'test', unit: 'ns/call', higherIsBetter: false, minThresholdPercent: 0, samples: xs, summary: summarize(xs), ...over,
  };
}

export function profile(over: Partial<EscalationProfile> = {}): EscalationProfile {
  return {
    vcpus: 2, callsPerVcpu: 100, seed: 1, ringRecords: 1024,
    runs: [{
      workload: 'nic', mode: 'realmode', calls: 200,
      answeredBy: { realmode: 198, virtmode: 2, userspace: 0 }, escalations: { 'page-not-allocated': 2 },
      byHcall: { 'H_PUT_TCE@realmode': 198, 'H_PUT_TCE@virtmode': 2 },
    }],
    skipped: [],
    ...over,
  };
}

export function file(benchmarks: readonly BenchmarkRecord[], p: EscalationProfile = profile()): BenchFile {
  return {
    format: BENCH_FORMAT, version: BENCH_VERSION, date: '2026-11-21T00:00:00.000Z',
    machine: { cpu: 'test cpu', cores: 2, memoryBytes: 2 ** 30, platform: 'linux', arch: 'x64', loadavg: [0, 0, 0] },
    node: 'v20.0.0', git: { revision: 'unknown', dirty: null }, options: {}, benchmarks, noFigure: [], profile: p, notes: [],
  };
}
