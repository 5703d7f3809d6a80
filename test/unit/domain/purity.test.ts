import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';

/**
 * The domain is pure TypeScript: no AWS SDK, no Node built-ins, and nothing from the adapters, the
 * rehearsal, the entry points, the CLI or the tests. The lint rule says the same; this test reads
 * the files themselves, so it also holds where lint is not run or its patterns drift.
 */
const ROOT = resolve(__dirname, '../../..');
const DOMAIN = join(ROOT, 'shared/domain');

/** Folders the domain must never reach, relative to the repository root. */
const FORBIDDEN_FOLDERS = ['shared/aws', 'shared/local', 'functions', 'bin', 'bench', 'test'];
const BUILTINS = new Set(builtinModules);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file names: imports, re-exports, `import()` and `require()`. */
function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** Why `specifier`, imported from `file`, breaks the domain's purity; null when it does not. */
function impurity(file: string, specifier: string): string | null {
  if (specifier.startsWith('@aws-sdk/') || specifier === 'aws-sdk' || specifier.startsWith('aws-sdk/')) {
    return 'the AWS SDK';
  }
  if (specifier.startsWith('aws-sdk-client-mock')) return 'the SDK mocking library';
  if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0] ?? specifier))
    return 'a Node built-in';
  if (!specifier.startsWith('.')) return null;
  const target = relative(ROOT, resolve(dirname(file), specifier))
    .split(sep)
    .join('/');
  const folder = FORBIDDEN_FOLDERS.find((f) => target === f || target.startsWith(`${f}/`));
  return folder ? `${folder}/` : null;
}

describe('domain purity', () => {
  const files = tsFiles(DOMAIN);

  it('reads the whole domain, nested folders included', () => {
    const folders = new Set(files.map((f) => relative(DOMAIN, dirname(f))));
    expect([...folders]).toEqual(expect.arrayContaining(['', 'gate', 'schedules', 'alerts']));
  });

  it('imports no AWS SDK, no Node built-in, no adapter, rehearsal, entry point or test code', () => {
    const offences = files.flatMap((file) =>
      importsOf(readFileSync(file, 'utf8')).flatMap((specifier) => {
        const why = impurity(file, specifier);
        return why ? [`${relative(ROOT, file)} imports '${specifier}' (${why})`] : [];
      }),
    );
    expect(offences).toEqual([]);
  });

  it('recognises each kind of offence from a nested folder', () => {
    const file = join(DOMAIN, 'gate/judge.ts');
    expect(impurity(file, '@aws-sdk/client-ecs')).toBe('the AWS SDK');
    expect(impurity(file, 'node:fs')).toBe('a Node built-in');
    expect(impurity(file, 'child_process')).toBe('a Node built-in');
    expect(impurity(file, 'aws-sdk-client-mock')).toBe('the SDK mocking library');
    expect(impurity(file, '../../aws/clients')).toBe('shared/aws/');
    expect(impurity(file, '../../local/alb/proxy')).toBe('shared/local/');
    expect(impurity(file, '../../../functions/deploy/evaluate')).toBe('functions/');
    expect(impurity(file, '../../../test/support/memory-ports')).toBe('test/');
    expect(impurity(file, '../verdict')).toBeNull();
    expect(impurity(file, './sequential')).toBeNull();
    expect(impurity(file, 'zod')).toBeNull();
  });
});
