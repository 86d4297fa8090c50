// Lint rules the code keeps (issue 14; CONTRIBUTING.md): typescript-eslint's recommended rules,
// import order, at most 400 lines per non-generated source file, and test helpers only in
// src/testing/. `npm test` runs it (turbo task `lint`).
import path from 'node:path';

import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** File names of test helpers kept beside the code, which CONTRIBUTING.md moves to src/testing/. */
const HELPER_BESIDE_CODE = /^(test-support|test-helpers?|test-utils?)\.[cm]?[jt]s$|\.test-utils?\.[cm]?[jt]s$/;

/** Local rules (no published plugin has them). */
const lmreg = {
  rules: {
    'test-helpers-in-testing': {
      meta: {
        type: 'problem',
        docs: { description: 'test helpers live in src/testing/<topic>.ts, not in test-support files beside the code' },
        schema: [],
        messages: { beside: "'{{name}}' is a test helper beside the code: move it to src/testing/<topic>.ts (CONTRIBUTING.md)." },
      },
      create(context) {
        return {
          Program(node) {
            const name = path.basename(context.filename);
            if (HELPER_BESIDE_CODE.test(name)) context.report({ node, messageId: 'beside', data: { name } });
          },
        };
      },
    },
  },
};

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
    plugins: { 'import-x': importX, lmreg },
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
      'lmreg/test-helpers-in-testing': 'error',
    },
  },
  {
    // Production code never imports test helpers or a test framework (CONTRIBUTING.md): helpers
    // live in src/testing/ (exported as `<pkg>/testing` or private to the package's tests).
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'packages/*/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vitest', message: 'Only tests and src/testing/ helpers import vitest.' },
            { name: '@fast-check/vitest', message: 'Only tests and src/testing/ helpers import @fast-check/vitest.' },
            { name: 'fast-check', message: 'Only tests and src/testing/ helpers import fast-check.' },
          ],
          patterns: [
            {
              regex: '(^|/)testing(/|$)',
              message: 'Production code never imports test helpers (src/testing/, <pkg>/testing): see CONTRIBUTING.md.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benches may be longer (one file per tested unit) and use what they need.
    files: ['**/*.test.ts', 'bench/**', 'scripts/**', 'examples/**'],
    rules: { 'max-lines': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
