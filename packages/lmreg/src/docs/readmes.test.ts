import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// What the package READMEs promise a newcomer (issue 18): how to install before the first publish,
// that the packages are ESM only, and TypeScript examples that compile under `strict`.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const packages = fs.readdirSync(path.join(root, 'packages')).filter((p) => fs.existsSync(path.join(root, 'packages', p, 'README.md')));
const readme = (p: string): string => fs.readFileSync(path.join(root, 'packages', p, 'README.md'), 'utf8');

describe('package READMEs', () => {
  it.each(packages)('%s says how to install it before it is published and that it is ESM only', (p) => {
    const text = readme(p);
    expect(text).toMatch(/Not published to npm yet: until it is, `npm pack`/);
    expect(text).toMatch(/ESM only: `import` it .*`require\(\)`\s+fails with `ERR_REQUIRE_ESM`/s);
  });

  it('every ```ts example compiles under strict (noUncheckedIndexedAccess, exactOptionalPropertyTypes)', () => {
    const dir = fs.mkdtempSync(path.join(root, 'packages', 'lmreg', '.readme-ts-'));
    try {
      const files: string[] = [];
      for (const p of packages) {
        [...readme(p).matchAll(/```ts\n([\s\S]*?)```/g)].forEach((m, i) => {
          const file = path.join(dir, `${p}-${i}.mts`);
          fs.writeFileSync(file, `${m[1] ?? ''}\nexport {};\n`);
          files.push(file);
        });
      }
      expect(files.length).toBeGreaterThan(0);
      const program = ts.createProgram(files, {
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        skipLibCheck: true,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        types: ['node'],
      });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .map((d) => `${path.basename(d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      expect(problems).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('agree with each other and with the code: auto picks native when built; the root README names every command', () => {
    const all = [...packages.map(readme), fs.readFileSync(path.join(root, 'README.md'), 'utf8')];
    for (const text of all) expect(text).not.toMatch(/`auto` does not pick (it|native)/);
    const rootReadme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const command of ['search', 'standalone', 'eval', 'ground-truth', 'table-search', 'report', 'worker', 'params', 'spaces']) {
      expect(rootReadme, command).toContain(`\`${command}`);
    }
  });
});
