import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/tf/index.ts', 'src/testing/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  // tfjs-core ships its gradient registrations only as extension-less ESM files: bundle them.
  noExternal: [/@tensorflow\/tfjs-core\/dist\/register_all_gradients/],
});
