import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'common',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    // tfjs-core's gradient files are extension-less ESM that Node cannot load: let Vite transform them.
    server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\/(?!tf-core)/] } },
  },
});
