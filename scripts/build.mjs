// Bundles the extension (vscode external), the stand-alone adapter and the CLI with esbuild.
import { build } from 'esbuild';
import { chmodSync, copyFileSync } from 'node:fs';

// capstone-wasm's ESM build needs import.meta.url, which a CJS bundle lacks: bundle its CJS build.
const alias = { 'capstone-wasm': './node_modules/capstone-wasm/dist/index.cjs' };
// Each `exo-debug` subcommand is its own bundle beside dist/cli.js, loaded when run: Node then
// compiles only what the command uses (`symbols resolve` started ~50 ms sooner than from one
// 760 KB bundle holding the whole adapter).
const SUBCOMMANDS = { 'symbols/cli': 'cli-symbols.js', 'cli/demo': 'cli-demo.js', 'cli/views': 'cli-views.js' };
const splitSubcommands = {
  name: 'split-subcommands',
  setup(b) {
    b.onResolve({ filter: /^\.\/(symbols\/cli|cli\/demo|cli\/views)$/ }, args =>
      args.importer.endsWith('adapter/cli.ts') ? { path: `./${SUBCOMMANDS[args.path.slice(2)]}`, external: true } : undefined);
  },
};
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning', alias };
await Promise.all([
  build({ ...common, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['adapter/main.ts'], outfile: 'dist/adapter.js' }),
  build({ ...common, entryPoints: ['adapter/cli.ts'], outfile: 'dist/cli.js', plugins: [splitSubcommands], supported: { 'dynamic-import': false } }),
  ...Object.entries(SUBCOMMANDS).map(([src, out]) => build({ ...common, entryPoints: [`adapter/${src}.ts`], outfile: `dist/${out}` })),
]);
chmodSync('dist/cli.js', 0o755);
// The demangler's WebAssembly is loaded from beside the bundles (adapter/symbols/demangle/wasm.ts).
copyFileSync('node_modules/gecko-profiler-demangle/index_bg.wasm', 'dist/gecko-demangle.wasm');
// capstone-wasm's loader looks for capstone.wasm next to the file that requires it (dist/*.js).
copyFileSync('node_modules/capstone-wasm/dist/capstone.wasm', 'dist/capstone.wasm');
