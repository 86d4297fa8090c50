import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Name in the package.json of the package whose `data/` folder holds the embedded data sets. */
export const TRAIN_PACKAGE_NAME = '@lmreg/train';

/** Sub-folder of the package's `data/` folder holding the embedded Fashion-MNIST subset. */
export const FASHION_MNIST_MINI_FOLDER = 'fashion-mnist-mini';

function packageName(dir: string): string | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    const manifest: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof manifest === 'object' && manifest !== null && 'name' in manifest && typeof manifest.name === 'string') {
      return manifest.name;
    }
  } catch {
    // unreadable or invalid package.json: not ours, keep walking up
  }
  return undefined;
}

function toPath(start: string | URL): string | undefined {
  if (start instanceof URL || start.startsWith('file:')) {
    try {
      return fileURLToPath(start);
    } catch {
      return undefined; // not a file: URL (e.g. bundled for a browser)
    }
  }
  return start;
}

/**
 * The root folder of the `@lmreg/train` package: walks up from `start` (a file or folder, as a path
 * or `file:` URL) to the first folder whose package.json is named `@lmreg/train`. Works from the
 * sources (`src/data/*.ts`), the build (`dist/*.js`) and an install (`node_modules/@lmreg/train/dist/`).
 *
 * @param start - where to begin; defaults to this module's own location.
 * @returns the folder, or `undefined` when no such package.json is found up to the file-system root
 *   (e.g. when lmreg was bundled into another program without its package folder).
 */
export function findTrainPackageRoot(start: string | URL = import.meta.url): string | undefined {
  const from = toPath(start);
  if (from === undefined) return undefined;
  let dir = from;
  for (;;) {
    if (packageName(dir) === TRAIN_PACKAGE_NAME) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

let cachedRoot: { readonly root: string | undefined } | undefined;

/**
 * The folder of embedded data set `folder` inside the installed `@lmreg/train` package
 * (`<package root>/data/<folder>`), or `undefined` when the package root cannot be located.
 * The package root is looked up once and cached.
 */
export function embeddedDataDir(folder: string): string | undefined {
  cachedRoot ??= { root: findTrainPackageRoot() };
  return cachedRoot.root === undefined ? undefined : join(cachedRoot.root, 'data', folder);
}

/** Where this module is (for error messages when the package root cannot be found). */
export function thisModulePath(): string {
  return toPath(import.meta.url) ?? import.meta.url;
}
