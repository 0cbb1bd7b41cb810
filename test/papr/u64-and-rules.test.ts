import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H_PARAMETER, H_SUCCESS } from '../../src/papr/return-codes.js';
import { indirectListCheck, kvmIobaIndex, qemuEntryIndex, tceAddressAligned } from '../../src/papr/rules.js';
import { bigHi, bigLo, lowBitsZero, shiftRight, shlHi, shlLo } from '../../src/papr/u64.js';

const halves = (v: bigint): [number, number] => [bigHi(v), bigLo(v)];

test('shiftRight on halves matches BigInt for every shift the rules use', () => {
  const values = [0n, 1n, 0xfffn, 0x1000n, 0xdeadbeef12345678n, 0xffffffffffffffffn, 1n << 59n, (1n << 63n) + 0x1234000n];
  for (const v of values) {
    for (const s of [11, 12, 16, 21, 24, 31, 32, 33, 34, 40, 63]) {
      assert.is(shiftRight(...halves(v), s), Number(v >> BigInt(s)), `${v.toString(16)} >> ${s}`);
    }
  }
});

test('shlHi / shlLo match BigInt for 32-bit values and every shift below 64', () => {
  const xs = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678, 262143, 0x40000];
  for (const x of xs) {
    for (let shift = 0; shift < 64; shift++) {
      const v = (BigInt(x) << BigInt(shift)) & ((1n << 64n) - 1n);
      assert.is(shlLo(x, shift), bigLo(v), `lo of 0x${x.toString(16)} << ${shift}`);
      assert.is(shlHi(x, shift), bigHi(v), `hi of 0x${x.toString(16)} << ${shift}`);
    }
  }
});

test('lowBitsZero on halves matches BigInt', () => {
  for (const v of [0n, 0x1000n, 0x100000000n, 0x200000000n, 0x400000000n, 0x8000000000000000n, 0x3n]) {
    for (const bits of [0, 1, 12, 31, 32, 33, 34, 63, 64]) {
      assert.is(lowBitsZero(...halves(v), bits), (v & ((1n << BigInt(bits)) - 1n)) === 0n, `${v.toString(16)} low ${bits}`);
    }
  }
});

test('KVM ioba check: alignment, window, whole range, and the first-page-only variant', () => {
  // window: 64 KiB pages from page 16 (bus 0x100000), 64 entries
  const check = (ioba: bigint, npages: bigint, firstPage = false) =>
    kvmIobaIndex(16, 16, 64, firstPage, ...halves(ioba), ...halves(npages));
  assert.is(check(0x100000n, 1n), 0);
  assert.is(check(0x100008n, 1n), -1);
  assert.is(check(0xf0000n, 1n), -1);
  assert.is(check(0x100000n + 63n * 0x10000n, 1n), 63);
  assert.is(check(0x100000n + 64n * 0x10000n, 0n), -1); // the ioba itself must be inside
  assert.is(check(0x100000n + 62n * 0x10000n, 3n), -1);
  assert.is(check(0x100000n + 62n * 0x10000n, 3n, true), 62);
  assert.is(check(0x100000n, 0xffffffffffffffffn), -1);
  assert.is(check(0xffffffffffff0000n, 1n), -1);
});

test('a 16 GiB page window: page shifts above 32 bits', () => {
  assert.is(kvmIobaIndex(34, 0, 4, false, 0x4, 0, 0, 1), 1); // ioba 1<<34
  assert.is(kvmIobaIndex(34, 0, 4, false, 0x2, 0, 0, 1), -1); // 1<<33: misaligned
  assert.ok(tceAddressAligned(0x4, 0x3, 34));
  assert.not.ok(tceAddressAligned(0x4, 0x1003, 34));
});

test('QEMU entry index: unsigned wrap below the window, -1 past it', () => {
  assert.is(qemuEntryIndex(12, 0, 0x100000, 16, 0, 0x100fff), 0);
  assert.is(qemuEntryIndex(12, 0, 0x100000, 16, 0, 0x10f000), 15);
  assert.is(qemuEntryIndex(12, 0, 0x100000, 16, 0, 0x110000), -1);
  assert.is(qemuEntryIndex(12, 0, 0x100000, 16, 0, 0xff000), -1);
  assert.is(qemuEntryIndex(12, 0x8000000, 0, 16, 0x8000000, 0x3000), 3); // window at 1<<59
});

test('INDIRECT list limits', () => {
  assert.is(indirectListCheck(0, 512, 0x1000), H_SUCCESS);
  assert.is(indirectListCheck(0, 513, 0x1000), H_PARAMETER);
  assert.is(indirectListCheck(1, 1, 0x1000), H_PARAMETER);
  assert.is(indirectListCheck(0, 1, 0x1008), H_PARAMETER);
});

test.run();
