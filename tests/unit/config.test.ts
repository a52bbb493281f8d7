import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  test('production refuses to start without a JWT secret, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/booking', TEMPORAL_ADDRESS: 'temporal:7233' }))
      .toThrow(/JWT_SECRET: JWT_SECRET is required when NODE_ENV=production/);
  });

  test('development uses local defaults and a development-only secret', () => {
    const config = loadConfig({});
    expect(config.NODE_ENV).toBe('development');
    expect(config.JWT_SECRET).toMatch(/development-only/);
    expect(config.startTemporalDevServer).toBe(true);
  });

  test('a bad value is reported with its variable name', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ HOLD_MIN_SECONDS: '900', HOLD_MAX_SECONDS: '60', HOLD_DEFAULT_SECONDS: '60' })).toThrow(/HOLD_MIN_SECONDS: must not exceed HOLD_MAX_SECONDS/);
  });

  test('an external Temporal address means no dev server is started', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233' });
    expect(config.startTemporalDevServer).toBe(false);
    expect(config.temporalAddress).toBe('temporal.example:7233');
  });

  test('.env.example documents every variable the engine reads, and nothing else', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(new Set(documented)).toEqual(new Set(CONFIG_VARIABLES));
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(30);
  });
});
