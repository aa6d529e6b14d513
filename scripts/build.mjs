// Bundles the extension (vscode external), the stand-alone adapter and the CLI with esbuild.
import { build } from 'esbuild';
import { chmodSync, copyFileSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
await Promise.all([
  build({ ...common, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['adapter/main.ts'], outfile: 'dist/adapter.js' }),
  build({ ...common, entryPoints: ['adapter/cli.ts'], outfile: 'dist/cli.js' }),
]);
chmodSync('dist/cli.js', 0o755);
// The demangler's WebAssembly is loaded from beside the bundles (adapter/symbols/demangle/wasm.ts).
copyFileSync('node_modules/gecko-profiler-demangle/index_bg.wasm', 'dist/gecko-demangle.wasm');
