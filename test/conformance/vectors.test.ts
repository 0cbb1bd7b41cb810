import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collectVectorFiles, loadVector, runVectorMode } from '../../src/conformance/runner.js';
import { VectorError } from '../../src/conformance/values.js';
import { parseVector } from '../../src/conformance/vector.js';
import { VECTORS } from '../helpers.js';

test('every bundled public vector passes in every mode it lists', () => {
  const files = collectVectorFiles([VECTORS]);
  assert.is(files.length, 25);
  for (const file of files) {
    const v = loadVector(file);
    for (const mode of v.modes) {
      const r = runVectorMode(v, mode);
      assert.equal(r.mismatches, [], `${v.name} [${mode}]`);
    }
  }
});

test('a wrong expectation is reported with step, expected, got and answering tier', () => {
  const json = JSON.parse(readFileSync(join(VECTORS, 'misaligned-tce-address.json'), 'utf8'));
  json.steps[1].expect = 'H_SUCCESS';
  const v = parseVector('mutated.json', JSON.stringify(json));
  const r = runVectorMode(v, 'realmode');
  assert.equal(r.mismatches, ['step 1 H_PUT_TCE: expected H_SUCCESS, got H_PARAMETER from realmode']);
  json.finalTables.realmode['0x80000000']['0x2000'] = '0x2803';
  const r2 = runVectorMode(parseVector('mutated.json', JSON.stringify(json)), 'realmode');
  assert.is(r2.mismatches[1], 'final table 0x80000000 ioba 0x2000: expected 0x2803, got 0x0');
});

test('a wrong answering tier is a mismatch even when the code is right', () => {
  const json = JSON.parse(readFileSync(join(VECTORS, 'unknown-liobn.json'), 'utf8'));
  json.steps[0].answeredBy = 'virtmode';
  const r = runVectorMode(parseVector('m.json', JSON.stringify(json)), 'realmode');
  assert.equal(r.mismatches, ['step 0 H_PUT_TCE: expected an answer from virtmode, got H_PARAMETER from userspace after realmode: no-table, virtmode: no-table']);
});

test('an entry left in a table that finalTables does not list is a mismatch', () => {
  const json = JSON.parse(readFileSync(join(VECTORS, 'put-get-roundtrip.json'), 'utf8'));
  json.finalTables = { '0x80000000': {} };
  const r = runVectorMode(parseVector('m.json', JSON.stringify(json)), 'userspace');
  assert.equal(r.mismatches, ['final table 0x80000000 ioba 0x1000: expected 0x0, got 0x2003']);
});

function vectorError(text: string): VectorError {
  try {
    parseVector('bad.json', text);
  } catch (e) {
    if (e instanceof VectorError) return e;
    throw e;
  }
  throw new Error('parsed without error');
}

test('invalid vectors name the file and the field', () => {
  const base = JSON.parse(readFileSync(join(VECTORS, 'put-get-roundtrip.json'), 'utf8'));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each case breaks the parsed JSON in its own way
  const cases: [(v: any) => void, string][] = [
    [(v) => { v.steps[0].expectTCE = '0x1'; }, 'steps[0].expectTCE'],
    [(v) => { v.machine.tables[0].pagesize = 12; }, 'machine.tables[0].pagesize'],
    [(v) => { v.steps[1].expect = 'H_TOO_HARD'; }, 'steps[1].expect'],
    [(v) => { v.steps[0].ioba = '0x1g'; }, 'steps[0].ioba'],
    [(v) => { v.steps[0].tce = '0x10000000000000000'; }, 'steps[0].tce'],
    [(v) => { v.format = 'tcesim-conformance/3'; }, 'format'],
    [(v) => { v.modes = ['kernel']; }, 'modes[0]'],
    [(v) => { v.steps[0].expect = { realmode: 'H_SUCCESS' }; }, 'steps[0].expect'],
    [(v) => { delete v.steps[0].tce; }, 'steps[0].tce'],
    [(v) => { v.steps[0].call = 'H_PUT_TCEE'; }, 'steps[0].call'],
    [(v) => { v.finalTables['0x80000000']['0x1000'] = 'x'; }, 'finalTables.0x80000000.0x1000'],
  ];
  for (const [mutate, field] of cases) {
    const v = structuredClone(base);
    mutate(v);
    const e = vectorError(JSON.stringify(v));
    assert.is(e.field, field);
    assert.ok(e.message.startsWith(`bad.json: ${field}: `), e.message);
  }
  assert.is(vectorError('{"format": ').field, '(file)');
});

test.run();
