// Lint rules the code keeps (issue 14): typescript-eslint's recommended rules, import order, and
// at most 400 lines per non-generated source file. `npm test` runs it (turbo task `lint`).
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/build/**',
      '.pack-check/**',
      '.scratch/**',
      'coverage/**',
      'experiments/**/results/**',
      'experiments/**/runs/**',
      // Generated data files (scripts/gen-*.mjs): marked as such in their headers.
      'packages/spaces/src/nb201/nb201-index-data.ts',
      'packages/samplers/src/nb201-table/nb201-table-data.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      'max-lines': ['error', { max: 400 }],
      'import-x/order': [
        'error',
        { groups: ['builtin', 'external', ['internal', 'parent', 'sibling', 'index']], 'newlines-between': 'always-and-inside-groups' },
      ],
      'import-x/first': 'error',
      'import-x/no-duplicates': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Tests and benches may be longer (one file per tested unit) and use what they need.
    files: ['**/*.test.ts', '**/*.test-util.ts', 'bench/**', 'scripts/**', 'examples/**'],
    rules: { 'max-lines': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
