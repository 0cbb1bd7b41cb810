/**
 * A small seeded generator (xorshift32 with a splitmix-style seed scramble): deterministic,
 * allocation-free, and the same on every thread, so a workload is reproduced exactly from its
 * seed and vCPU number.
 */
export class Prng {
  private s: number;

  constructor(seed: number, stream: number) {
    let z = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul((stream + 1) | 0, 0x85ebca77)) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
    z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
    z ^= z >>> 16;
    this.s = z === 0 ? 0x6d2b79f5 : z;
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    return x >>> 0;
  }

  /** A uniform integer in [0, n), n <= 2^32. */
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() < p * 4294967296;
  }
}
