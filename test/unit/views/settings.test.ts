// The views' cowBit setting: parsing (bit, "none", null), the session default and the
// per-request override, and a bad launch value said and ignored.
import * as assert from 'node:assert/strict';
import type { Runtime } from '../../../adapter/session/runtime';
import { applyViewSettings, parseCowBit, requestCowBit, sessionCowBit } from '../../../adapter/session/views/settings';

describe('views: cowBit setting', () => {
  it('parses a bit number, "none" and null; rejects anything else naming the values', () => {
    assert.equal(parseCowBit(undefined), undefined);
    assert.equal(parseCowBit(9), 9);
    assert.equal(parseCowBit('58'), 58);
    assert.equal(parseCowBit(0), 0);
    assert.equal(parseCowBit('none'), null);
    assert.equal(parseCowBit(null), null);
    for (const bad of [64, -1, 1.5, 'nine', '', {}, true]) assert.throws(() => parseCowBit(bad), /is not a bit number 0-63 or "none"/);
  });

  it('a session uses 9 by default, its launch setting otherwise; a request argument wins', async () => {
    const exo = {} as Runtime, linux = {} as Runtime, bad = {} as Runtime;
    const said: string[] = [];
    await applyViewSettings(exo, {}, t => said.push(t));
    await applyViewSettings(linux, { cowBit: 'none' }, t => said.push(t));
    assert.equal(said.length, 0, said.join(""));
    await applyViewSettings(bad, { cowBit: 99 as number }, t => said.push(t));
    assert.match(said[0], /cowBit 99 is not a bit number 0-63 or "none".*The views use bit 9/);
    assert.equal(sessionCowBit(exo), 9);
    assert.equal(sessionCowBit(linux), null);
    assert.equal(sessionCowBit(bad), 9);
    assert.equal(requestCowBit(linux, undefined), null);
    assert.equal(requestCowBit(linux, 10), 10);
    assert.equal(requestCowBit(exo, 'none'), null);
    assert.throws(() => requestCowBit(exo, 'x'), /cowBit "x"/);
  });
});
