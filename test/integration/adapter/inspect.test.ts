// Inspection requests on a stopped Exo-OS: registers scope, setVariable, memory read/write and
// the unmapped-address error, monitor passthrough, completions, loaded sources and modules,
// then restart (QMP system_reset) keeping breakpoints.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { findMarker, KERNEL, requireBuilt, Session } from './harness';

/** ELF e_entry per readelf (the PVH entry of Exo-OS is the same address). */
function readElfEntry(): bigint {
  const m = /Entry point address:\s+(0x[0-9a-f]+)/.exec(execFileSync('readelf', ['-h', KERNEL], { encoding: 'utf8' }));
  assert.ok(m, 'readelf -h shows no entry point');
  return BigInt(m[1]);
}

describe('adapter: inspection and restart (real QEMU + Exo-OS)', function () {
  this.timeout(180_000);
  before(requireBuilt);

  it('answers inspection requests at #BP:kmain and keeps breakpoints across restart', async () => {
    const kmain = findMarker('kmain');
    const s = new Session();
    await s.start();
    try {
      await s.launch({}, [kmain]);
      const t = (await s.nextStop()).body.threadId!;
      const top = await s.topFrame(t);

      // Registers: general purpose with rip = the frame's pc, decoded RFLAGS, control registers.
      const scopes = (await s.dc.scopesRequest({ frameId: top.id })).body.scopes;
      assert.deepEqual(scopes.map(x => x.name), ['Locals', 'Arguments', 'Registers']);
      const groups = (await s.dc.variablesRequest({ variablesReference: scopes[2].variablesReference })).body.variables;
      const gp = (await s.dc.variablesRequest({ variablesReference: groups[0].variablesReference })).body.variables;
      const rip = gp.find(v => v.name === 'rip')!;
      assert.equal(BigInt(rip.value), BigInt(top.instructionPointerReference!));
      assert.equal(rip.memoryReference !== undefined, true);
      const ctl = groups.find(g => /control/i.test(g.name))!;
      const cr0 = (await s.dc.variablesRequest({ variablesReference: ctl.variablesReference })).body.variables.find(v => v.name === 'cr0')!;
      assert.match(cr0.value, /PG/);

      // setVariable on a register, read back through evaluate.
      const set = await s.dc.setVariableRequest({ variablesReference: groups[0].variablesReference, name: 'r15', value: '0x1234abcd' });
      assert.equal(BigInt(set.body.value), 0x1234abcdn);
      assert.equal((await s.dc.evaluateRequest({ expression: '$r15', frameId: top.id })).body.result, String(0x1234abcd));

      // Memory: write then read back at the stack pointer; unmapped address → clear error.
      const rsp = BigInt((await s.dc.evaluateRequest({ expression: '$rsp', frameId: top.id })).body.result);
      const probeAddr = '0x' + (rsp - 0x400n).toString(16);
      const w = await s.dc.customRequest('writeMemory', { memoryReference: probeAddr, data: Buffer.from([1, 2, 3, 4, 5]).toString('base64') });
      assert.equal(w.body.bytesWritten, 5);
      const r = await s.dc.customRequest('readMemory', { memoryReference: probeAddr, count: 5 });
      assert.deepEqual([...Buffer.from(r.body.data, 'base64')], [1, 2, 3, 4, 5]);
      const bad = await s.dc.customRequest('readMemory', { memoryReference: '0x7fff00000000', count: 16 }).then(() => undefined, (e: Error) => e);
      assert.ok(bad, 'reading user-half memory (nothing mapped there in Exo-OS) must fail');
      assert.match(bad.message, /0x7fff00000000/);
      assert.doesNotMatch(bad.message, /\n/);

      // Monitor passthrough and completions.
      const mon = await s.dc.evaluateRequest({ expression: 'monitor info cpus', context: 'repl' });
      assert.equal(mon.body.result.split('\n').filter(l => /CPU #\d/.test(l)).length, 4);
      const comp = await s.dc.completionsRequest({ text: '$ri', column: 4 });
      // start counts in the client's columns (columnsStartAt1): 1-based.
      const applied = comp.body.targets.map(c => {
        const start = (c.start ?? 4) - 1, len = c.length ?? 0;
        return '$ri'.slice(0, start) + (c.text ?? c.label) + '$ri'.slice(start + len);
      });
      assert.ok(applied.includes('$rip'), JSON.stringify(comp.body.targets));

      // Loaded sources include the kernel's main.rs; the module is the kernel ELF.
      const srcs = await s.dc.customRequest('loadedSources', {});
      assert.ok(srcs.body.sources.some((x: { path?: string }) => x.path === kmain.path), 'main.rs among loaded sources');
      const mods = await s.dc.customRequest('modules', {});
      assert.equal(mods.body.modules[0].path, KERNEL);

      // setVariable on a source variable: a field of kmain's local `boot` (in scope once its
      // line ran), through the evaluator.
      let top2 = top;
      let boot;
      for (let i = 0; i < 4 && !boot; i++) {
        await s.dc.nextRequest({ threadId: t });
        await s.nextStop();
        top2 = await s.topFrame(t);
        const scopes2 = (await s.dc.scopesRequest({ frameId: top2.id })).body.scopes;
        const locals = (await s.dc.variablesRequest({ variablesReference: scopes2[0].variablesReference })).body.variables;
        boot = locals.find(v => v.name === 'boot');
      }
      assert.ok(boot && boot.variablesReference > 0, 'kmain has a struct local boot');
      const setField = await s.dc.setVariableRequest({ variablesReference: boot.variablesReference, name: 'memmap_len', value: '3' });
      assert.equal(setField.body.value, '3');
      assert.equal((await s.dc.evaluateRequest({ expression: 'boot.memmap_len', frameId: top2.id })).body.result, '3');
      // After 'invalidated' the client asks again from the scopes down.
      const scopes3 = (await s.dc.scopesRequest({ frameId: top2.id })).body.scopes;
      const boot3 = (await s.dc.variablesRequest({ variablesReference: scopes3[0].variablesReference })).body.variables.find(v => v.name === 'boot')!;
      const fields = (await s.dc.variablesRequest({ variablesReference: boot3.variablesReference })).body.variables;
      assert.equal(fields.find(v => v.name === 'memmap_len')?.value, '3');
      // A data breakpoint offered on that field names its address and size.
      const info = await s.dc.dataBreakpointInfoRequest({ variablesReference: boot3.variablesReference, name: 'memmap_len' });
      const addr = BigInt((await s.dc.evaluateRequest({ expression: '&boot.memmap_len', frameId: top2.id })).body.result.replace(/^.*(0x[0-9a-f]+).*$/, '$1'));
      assert.equal(info.body.dataId, `0x${addr.toString(16)}/8`);

      // Restart: QMP system_reset, breakpoints kept. An instruction breakpoint at the kernel's
      // entry (the ELF entry, reached again after the firmware reloads the kernel) proves both.
      const entry = '0x' + readElfEntry().toString(16);
      const ib = await s.dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: entry }] });
      assert.equal(ib.body.breakpoints[0].verified, true);
      await s.dc.restartRequest({});
      const again = await s.nextStop();
      assert.equal(again.body.reason, 'instruction breakpoint');
      assert.equal(again.body.threadId, 1);
      assert.equal((await s.topFrame(1)).instructionPointerReference, entry);
      const kept = await s.dc.setBreakpointsRequest({ source: { path: kmain.path }, breakpoints: [{ line: kmain.line }] });
      assert.equal(kept.body.breakpoints[0].verified, true);
    } finally {
      await s.close();
    }
  });
});
