import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Workflow code must stay deterministic: side effects belong in activities/. */
const WORKFLOWS = join(import.meta.dirname, '../../workflows');
const ALLOWED = [/^@temporalio\/(workflow|common)$/, /^\.\/[\w-]+\.ts$/, /^\.\.\/activities\/index\.ts$/];

describe('workflow code', () => {
  const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.ts'));

  test.each(files)('%s imports only the workflow SDK, its siblings, activity types and contract types', (file) => {
    const source = readFileSync(join(WORKFLOWS, file), 'utf8');
    const imports = [...source.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)];
    for (const [, , typeOnly, specifier] of imports) {
      // the contract's shapes may be imported as types (erased from the bundle): one definition, no copy
      const allowed = ALLOWED.some((pattern) => pattern.test(specifier)) || (Boolean(typeOnly) && /^\.\.\/src\/contract\/[\w-]+\.ts$/.test(specifier));
      // activities may only be imported as types (they run in the worker, never in the workflow sandbox)
      const activityValueImport = specifier.includes('activities') && !typeOnly;
      expect({ specifier, allowed: allowed && !activityValueImport }).toEqual({ specifier, allowed: true });
    }
    expect(source).not.toMatch(/\b(Math\.random|setTimeout|setInterval|process\.env|require\()/);
  });
});
