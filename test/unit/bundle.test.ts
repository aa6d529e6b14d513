// The bundled stand-alone adapter must not need `vscode` (DESIGN.md: only extension/ may).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

describe('bundles', () => {
  it('dist/adapter.js does not require vscode', () => {
    const src = readFileSync('dist/adapter.js', 'utf8');
    assert.ok(src.length > 1000, 'dist/adapter.js looks empty: run npm run build');
    assert.doesNotMatch(src, /require\(["']vscode["']\)/);
  });
  it('dist/extension.js keeps vscode external', () => {
    const src = readFileSync('dist/extension.js', 'utf8');
    assert.match(src, /require\(["']vscode["']\)/);
  });
});
