// bench/train-step-nb201.mjs (NB201 super-net training steps on tfjs's cpu backend) with
// @lmreg/tfjs-native's oneDNN Conv2D / Conv2DBackpropInput / Conv2DBackpropFilter registered first.
// Compare its JSON line with `node bench/train-step-nb201.mjs` (stock cpu kernels).
// Needs: npm run build:native and npx tsup in packages/tfjs-native.
// Run:  BENCH_STEPS_SMALL=3 BENCH_STEPS_LARGE=1 node bench/native-nb201.mjs
import { pathToFileURL, fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';

const root = fileURLToPath(new URL('..', import.meta.url));
const native = await import(pathToFileURL(`${root}packages/tfjs-native/dist/index.js`).href);
native.registerNativeKernels();
console.error(`native kernels: ${native.NATIVE_KERNELS.join(', ')} on ${native.getNativeThreads()} OpenMP threads`);
await import('./train-step-nb201.mjs');
