// Bundles the extension (vscode external), the stand-alone adapter and the CLI with esbuild.
import { build } from 'esbuild';
import { chmodSync, copyFileSync } from 'node:fs';

// capstone-wasm's ESM build needs import.meta.url, which a CJS bundle lacks: bundle its CJS build.
const alias = { 'capstone-wasm': './node_modules/capstone-wasm/dist/index.cjs' };
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning', alias };
await Promise.all([
  build({ ...common, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['adapter/main.ts'], outfile: 'dist/adapter.js' }),
  build({ ...common, entryPoints: ['adapter/cli.ts'], outfile: 'dist/cli.js' }),
]);
chmodSync('dist/cli.js', 0o755);
// The demangler's WebAssembly is loaded from beside the bundles (adapter/symbols/demangle/wasm.ts).
copyFileSync('node_modules/gecko-profiler-demangle/index_bg.wasm', 'dist/gecko-demangle.wasm');
// capstone-wasm's loader looks for capstone.wasm next to the file that requires it (dist/*.js).
copyFileSync('node_modules/capstone-wasm/dist/capstone.wasm', 'dist/capstone.wasm');
