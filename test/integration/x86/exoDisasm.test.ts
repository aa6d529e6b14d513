// The disassembler against objdump (the oracle) on every instruction of the Exo-OS kernel
// (build/kernel/exo.elf): same lengths, same boundaries when decoding linearly, same text up to
// the dialect differences listed in test/unit/x86/objdumpDialect.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Disassembler } from '../../../adapter/x86/disasm';
import { sameIntel } from '../../unit/x86/objdumpDialect';

const EXO = path.resolve('build/kernel/exo.elf');

interface Line { address: bigint; bytes: Uint8Array; text: string }

function objdumpLines(): Line[] {
  const out = execFileSync('objdump', ['-d', '-w', '-M', 'intel', EXO], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines: Line[] = [];
  for (const l of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$/.exec(l);
    if (m) lines.push({ address: BigInt('0x' + m[1]), bytes: Uint8Array.from(m[2].trim().split(' '), x => parseInt(x, 16)), text: m[3] });
  }
  return lines;
}

describe('x86/disasm on the whole Exo-OS kernel against objdump', function () {
  this.timeout(300_000);
  let lines: Line[];
  let dis: Disassembler;
  before(async () => {
    assert.ok(fs.existsSync(EXO), `${EXO} is missing: run npm run build:kernel first`);
    lines = objdumpLines();
    dis = await Disassembler.create();
  });

  it('decodes every instruction with objdump\'s length and text', () => {
    assert.ok(lines.length > 5000, `only ${lines.length} instructions found`);
    const diffs: string[] = [];
    for (const l of lines) {
      const [ins] = dis.disassemble(l.bytes, l.address, 64, { count: 1 });
      if (ins.length !== l.bytes.length || !sameIntel(ins.text, l.text)) diffs.push(`0x${l.address.toString(16)}: ours '${ins.text}' (${ins.length} bytes), objdump '${l.text}'`);
    }
    assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} of ${lines.length} instructions differ`);
  });

  it('stays on objdump\'s instruction boundaries when decoding each function linearly', () => {
    // Group consecutive instructions into runs and decode each run's bytes in one call.
    let runs = 0, checked = 0;
    for (let i = 0; i < lines.length;) {
      let j = i + 1;
      while (j < lines.length && lines[j].address === lines[j - 1].address + BigInt(lines[j - 1].bytes.length)) j++;
      const bytes = new Uint8Array(lines.slice(i, j).reduce((n, l) => n + l.bytes.length, 0));
      let off = 0;
      for (const l of lines.slice(i, j)) { bytes.set(l.bytes, off); off += l.bytes.length; }
      const ours = dis.disassemble(bytes, lines[i].address, 64);
      assert.deepEqual(ours.map(x => x.address), lines.slice(i, j).map(l => l.address), `run at 0x${lines[i].address.toString(16)}`);
      checked += ours.length;
      runs++;
      i = j;
    }
    assert.equal(checked, lines.length);
    assert.ok(runs >= 1);
  });
});
