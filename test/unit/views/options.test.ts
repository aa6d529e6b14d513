// exo-debug option parsing: --attach host:port, numbers in range, unknown options are errors.
import * as assert from 'node:assert/strict';
import { parseOptions } from '../../../adapter/cli/options';

describe('views: exo-debug options', () => {
  it('parses target and output options, leaving positional arguments', () => {
    const o = parseOptions(['tlb', '--attach', 'localhost:1234', '--symbols', 'k.elf', '--json', '--cpu', '2', '--until', 'online$', '--timeout', '30']);
    assert.deepEqual(o.attach, { host: 'localhost', port: 1234 });
    assert.equal(o.symbols, 'k.elf');
    assert.equal(o.json, true);
    assert.equal(o.cpu, 2);
    assert.equal(o.until!.source, 'online$');
    assert.equal(o.timeoutMs, 30_000);
    assert.deepEqual(o.rest, ['tlb']);
    assert.deepEqual(parseOptions(['--attach', '1234']).attach, { host: '127.0.0.1', port: 1234 });
    assert.equal(parseOptions(['--phys', '--pid', '3']).pid, 3);
  });

  it('rejects bad values with one sentence', () => {
    assert.throws(() => parseOptions(['--attach', 'host:']), /--attach needs host:port/);
    assert.throws(() => parseOptions(['--attach', 'h:70000']), /from 1 to 65535/);
    assert.throws(() => parseOptions(['--cpus', '0']), /--cpus needs a whole number from 1 to 255/);
    assert.throws(() => parseOptions(['--until', '(']), /regular expression/);
    assert.throws(() => parseOptions(['--frobnicate']), /unknown option --frobnicate/);
    assert.throws(() => parseOptions(['--kernel']), /--kernel needs a value/);
  });

  it('--cow-bit takes a bit number 0-63 or none (the launch/attach setting cowBit)', () => {
    assert.equal(parseOptions(['--cow-bit', '9']).cowBit, 9);
    assert.equal(parseOptions(['--cow-bit', '58']).cowBit, 58);
    assert.equal(parseOptions(['--cow-bit', 'none']).cowBit, 'none');
    assert.equal(parseOptions([]).cowBit, undefined);
    assert.throws(() => parseOptions(['--cow-bit', '64']), /--cow-bit \(or "none"\) needs a whole number from 0 to 63/);
    assert.throws(() => parseOptions(['--cow-bit', 'nine']), /not "nine"/);
  });
});
