import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { ExoError } from '../../../adapter/common/errors';
import { parseXml } from '../../../adapter/rsp/targetdesc/xml';
import { loadTargetDescription } from '../../../adapter/rsp/targetdesc/table';

// Captured from QEMU 7.2's gdbstub (qXfer:features:read).
const fixture = (n: string) => fs.readFileSync(path.join(__dirname, 'fixtures', n), 'latin1');
const isProtocol = (e: unknown) => e instanceof ExoError && e.kind === 'protocol';

describe('rsp/targetdesc', () => {
  it('parses elements, attributes, entities, comments, DOCTYPE and CDATA', () => {
    const root = parseXml(`<?xml version="1.0"?><!-- c --><!DOCTYPE t [<!ENTITY x "y">]>
      <t a='1' b="&lt;&amp;&#x41;"><u/><v>hi<![CDATA[<raw>]]></v></t>`, 'test');
    assert.equal(root.name, 't');
    assert.equal(root.attrs.get('b'), '<&A');
    assert.deepEqual(root.children.map(c => c.name), ['u', 'v']);
    assert.equal(root.children[1].text, 'hi<raw>');
  });
  it('rejects broken XML with protocol errors', () => {
    for (const bad of ['<a>', '<a></b>', '<a b=1/>', 'text', '<a/><b/>', '<!-- x', '<a>&bogus;</a>', '<a>&#x7fffffff;</a>', '']) {
      assert.throws(() => parseXml(bad, 't'), isProtocol, bad);
    }
  });
  it('random input only ever throws protocol errors', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), s => {
      try { parseXml(s, 'fuzz'); } catch (e) { assert.ok(isProtocol(e), String(e)); }
    }), { numRuns: 1000 });
  });
  it("builds QEMU's x86_64 register table through xi:include", async () => {
    const asked: string[] = [];
    const d = await loadTargetDescription(async a => { asked.push(a); return fixture(a); });
    assert.deepEqual(asked, ['target.xml', 'i386-64bit.xml']);
    assert.equal(d.architecture, 'i386:x86-64');
    const t = d.table;
    assert.equal(t.gSize, 608);
    const at = (n: string) => { const r = t.byName(n)!; return [r.regnum, r.bitsize, r.offset]; };
    assert.deepEqual(at('rax'), [0, 64, 0]);
    assert.deepEqual(at('rip'), [16, 64, 128]);
    assert.deepEqual(at('eflags'), [17, 32, 136]);
    assert.deepEqual(at('cs'), [18, 32, 140]);
    assert.deepEqual(at('fs_base'), [24, 64, 164]);
    assert.deepEqual(at('cr0'), [27, 64, 188]);
    assert.deepEqual(at('cr3'), [29, 64, 204]);
    assert.deepEqual(at('efer'), [32, 64, 228]);
    assert.deepEqual(at('st0'), [33, 80, 236]);
    assert.deepEqual(at('xmm0'), [49, 128, 348]);
    assert.deepEqual(at('mxcsr'), [65, 32, 604]);
    assert.equal(t.byNum(16)!.name, 'rip');
    assert.equal(t.byName('rip')!.feature, 'org.gnu.gdb.i386.core');
  });
  it('numbers registers without regnum after the previous one, and checks sizes', async () => {
    const d = await loadTargetDescription(async () =>
      '<target><feature name="f"><reg name="a" bitsize="32" regnum="5"/><reg name="b" bitsize="16" group="g"/></feature></target>');
    assert.deepEqual(d.table.registers.map(r => [r.name, r.regnum, r.offset, r.group]), [['a', 5, 0, undefined], ['b', 6, 4, 'g']]);
    await assert.rejects(loadTargetDescription(async () => '<target><feature><reg name="a" bitsize="12"/></feature></target>'), isProtocol);
    await assert.rejects(loadTargetDescription(async () => '<target/>'), isProtocol);
    await assert.rejects(loadTargetDescription(async () => '<target><xi:include href="target.xml"/></target>'), /nested deeper/);
  });
});
