import * as assert from 'uvu/assert';
import type { PamuErrno, PamuResult } from '../../../src/host/pamu/errors.js';

export function assertOk(result: PamuResult): void {
  assert.equal(result, { ok: true });
}

/** Exactly this errno, and a reason that names the offending value. */
export function assertFails(result: PamuResult, errno: PamuErrno, named: string): void {
  assert.is(result.ok ? 'ok' : result.errno, errno);
  if (!result.ok) assert.ok(result.reason.includes(named), `reason "${result.reason}" should name ${named}`);
}
