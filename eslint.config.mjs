// Lint rules: typescript-eslint's recommended set, plus the layering rule of DESIGN.md:
// nothing under adapter/ may import `vscode` (only extension/ talks to VS Code).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'build/**', 'kernel/**', '.vscode-test/**', 'test/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['adapter/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'adapter/ must not import vscode: only extension/ may (DESIGN.md).' }],
      }],
    },
  },
);
