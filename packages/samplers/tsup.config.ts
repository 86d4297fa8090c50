import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/nb201-table/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  // Keep the maps small: without this the nb201-table map would embed the 375 kB data source again.
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
});
