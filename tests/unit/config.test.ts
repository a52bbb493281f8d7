import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  test('production refuses to start without a JWT secret, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/booking', TEMPORAL_ADDRESS: 'temporal:7233' }))
      .toThrow(/JWT_SECRET: JWT_SECRET is required when NODE_ENV=production/);
  });

  test('a process that does not set NODE_ENV refuses to start, naming the variable', () => {
    expect(() => loadConfig({})).toThrow(/NODE_ENV: NODE_ENV is not set: set NODE_ENV=production for a deployment/);
    expect(() => loadConfig({ NODE_ENV: 'prod' })).toThrow(/NODE_ENV: NODE_ENV must be one of development, test, production/);
  });

  test('the local runs (npm start, npm run start:cluster) set NODE_ENV=development through a defaults file that .env and the environment override', () => {
    const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts as Record<string, string>;
    expect(scripts.start).toBe('node --env-file=scripts/local-run.env --env-file-if-exists=.env src/main.ts all');
    expect(scripts['start:cluster']).toBe('node --env-file=scripts/local-run.env --env-file-if-exists=.env src/cluster.ts');
    expect(readFileSync(new URL('../../scripts/local-run.env', import.meta.url), 'utf8')).toMatch(/^NODE_ENV=development$/m);
    // the roles a deployment runs on their own get no default
    for (const role of ['start:api', 'start:worker', 'start:gateway', 'migrate']) expect(scripts[role]).not.toContain('local-run.env');
  });

  test('development uses local defaults and a development-only secret, on a loopback address only', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.JWT_SECRET).toMatch(/development-only/);
    expect(config.startTemporalDevServer).toBe(true);
    expect(config.TRUST_PROXY_HOPS).toBe(0);
    expect(config.CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'development', HOST: 'localhost' }).HOST).toBe('localhost');
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      expect(() => loadConfig({ NODE_ENV: 'development', HOST: host })).toThrow(/JWT_SECRET: JWT_SECRET is required when HOST \(.+\) is not a loopback address/);
      expect(loadConfig({ NODE_ENV: 'development', HOST: host, JWT_SECRET: 'x'.repeat(32), TICKET_SIGNING_SECRET: 't'.repeat(32) }).JWT_SECRET).toBe('x'.repeat(32));
    }
  });

  test('a bad value is reported with its variable name', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ NODE_ENV: 'test', HOLD_MIN_SECONDS: '900', HOLD_MAX_SECONDS: '60', HOLD_DEFAULT_SECONDS: '60' })).toThrow(/HOLD_MIN_SECONDS: must not exceed HOLD_MAX_SECONDS/);
    expect(() => loadConfig({ NODE_ENV: 'test', TRUST_PROXY_HOPS: '-1' })).toThrow(/TRUST_PROXY_HOPS/);
    expect(() => loadConfig({ NODE_ENV: 'test', TRUST_PROXY_HOPS: 'yes' })).toThrow(/TRUST_PROXY_HOPS/);
    // a refresh token that dies before the access token it renews would renew nothing
    expect(() => loadConfig({ NODE_ENV: 'test', ACCESS_TOKEN_TTL_SECONDS: '900', REFRESH_TOKEN_TTL_SECONDS: '900' })).toThrow(/REFRESH_TOKEN_TTL_SECONDS: must be longer than ACCESS_TOKEN_TTL_SECONDS/);
    expect(() => loadConfig({ NODE_ENV: 'test', ACCESS_TOKEN_TTL_SECONDS: String(2 * 86_400) })).toThrow(/ACCESS_TOKEN_TTL_SECONDS/);
    expect(loadConfig({ NODE_ENV: 'test' })).toEqual(expect.objectContaining({ ACCESS_TOKEN_TTL_SECONDS: 900, REFRESH_TOKEN_TTL_SECONDS: 2_592_000 }));
  });

  test('CORS_ORIGINS is a comma-separated list of origins, each checked', () => {
    expect(loadConfig({ NODE_ENV: 'test', CORS_ORIGINS: 'https://shop.example.com, http://localhost:5173' }).CORS_ORIGINS)
      .toEqual(['https://shop.example.com', 'http://localhost:5173']);
    for (const bad of ['shop.example.com', 'https://shop.example.com/', 'https://shop.example.com/path', 'ftp://files.example.com', '*']) {
      expect(() => loadConfig({ NODE_ENV: 'test', CORS_ORIGINS: `https://ok.example.com,${bad}` })).toThrow(/CORS_ORIGINS: ".+" is not an origin/);
    }
  });

  test('an external Temporal address means no dev server is started', () => {
    const config = loadConfig({ NODE_ENV: 'development', TEMPORAL_ADDRESS: 'temporal.example:7233' });
    expect(config.startTemporalDevServer).toBe(false);
    expect(config.temporalAddress).toBe('temporal.example:7233');
  });

  describe('payment provider', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/booking', TEMPORAL_ADDRESS: 'temporal:7233', JWT_SECRET: 'x'.repeat(32), TICKET_SIGNING_SECRET: 't'.repeat(32) };
    const liveKey = 'sk_live_51AbCdEfGh';

    test('development and tests use the simulated provider unless told otherwise, charging in euros', () => {
      for (const NODE_ENV of ['development', 'test']) {
        expect(loadConfig({ NODE_ENV }).payments).toEqual({ provider: 'simulated', slowMs: 4000 });
        expect(loadConfig({ NODE_ENV }).PAYMENT_CURRENCY).toBe('eur');
      }
      expect(loadConfig({ NODE_ENV: 'development', PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_API_BASE: 'http://127.0.0.1:12111', PAYMENT_CURRENCY: 'USD' }).payments)
        .toEqual({ provider: 'stripe', secretKey: 'sk_test_123', apiBase: 'http://127.0.0.1:12111', currency: 'usd', testMode: true });
    });

    test('production refuses PAYMENT_PROVIDER=simulated, naming the variable, unless ALLOW_SIMULATED_PAYMENTS=true', () => {
      expect(() => loadConfig({ ...production, PAYMENT_PROVIDER: 'simulated' }))
        .toThrow(/PAYMENT_PROVIDER: PAYMENT_PROVIDER=simulated is refused when NODE_ENV=production: the simulated provider accepts any card number and takes no money/);
      expect(() => loadConfig({ ...production, PAYMENT_PROVIDER: 'simulated', ALLOW_SIMULATED_PAYMENTS: 'false' })).toThrow(/PAYMENT_PROVIDER=simulated is refused/);
      expect(loadConfig({ ...production, PAYMENT_PROVIDER: 'simulated', ALLOW_SIMULATED_PAYMENTS: 'true' }).payments.provider).toBe('simulated');
    });

    test('production takes payments with Stripe by default, and a Stripe provider needs STRIPE_SECRET_KEY, never defaulted', () => {
      expect(() => loadConfig(production)).toThrow(/STRIPE_SECRET_KEY: STRIPE_SECRET_KEY is required when PAYMENT_PROVIDER=stripe \(the default when NODE_ENV=production\)/);
      expect(() => loadConfig({ NODE_ENV: 'development', PAYMENT_PROVIDER: 'stripe' })).toThrow(/STRIPE_SECRET_KEY: STRIPE_SECRET_KEY is required when PAYMENT_PROVIDER=stripe$/m);
      // an empty value (STRIPE_SECRET_KEY= in a file, ${STRIPE_SECRET_KEY:-} in compose) is no key
      expect(() => loadConfig({ ...production, STRIPE_SECRET_KEY: '' })).toThrow(/STRIPE_SECRET_KEY is required/);
      expect(() => loadConfig({ ...production, STRIPE_SECRET_KEY: 'pk_live_123' })).toThrow(/STRIPE_SECRET_KEY: must be a Stripe secret key/);
      expect(loadConfig({ ...production, STRIPE_SECRET_KEY: liveKey }).payments)
        .toEqual({ provider: 'stripe', secretKey: liveKey, apiBase: undefined, currency: 'eur', testMode: false });
    });

    test('production refuses a Stripe test-mode key and STRIPE_API_BASE (no money moves) unless ALLOW_SIMULATED_PAYMENTS=true', () => {
      expect(() => loadConfig({ ...production, STRIPE_SECRET_KEY: 'sk_test_123' })).toThrow(/STRIPE_SECRET_KEY: a Stripe test-mode key is refused when NODE_ENV=production/);
      expect(() => loadConfig({ ...production, STRIPE_SECRET_KEY: liveKey, STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toThrow(/STRIPE_API_BASE: STRIPE_API_BASE is refused when NODE_ENV=production/);
      expect(loadConfig({ ...production, STRIPE_SECRET_KEY: 'rk_test_123', STRIPE_API_BASE: 'http://127.0.0.1:12111', ALLOW_SIMULATED_PAYMENTS: '1' }).payments)
        .toMatchObject({ provider: 'stripe', testMode: true, apiBase: 'http://127.0.0.1:12111' });
    });

    test('PAYMENT_CURRENCY is a three-letter code with cents; STRIPE_API_BASE an http(s) URL', () => {
      expect(loadConfig({ NODE_ENV: 'test', PAYMENT_CURRENCY: ' GBP ' }).PAYMENT_CURRENCY).toBe('gbp');
      expect(() => loadConfig({ NODE_ENV: 'test', PAYMENT_CURRENCY: 'euro' })).toThrow(/PAYMENT_CURRENCY: must be a three-letter ISO 4217 currency code/);
      for (const code of ['jpy', 'KWD']) {
        expect(() => loadConfig({ NODE_ENV: 'test', PAYMENT_CURRENCY: code })).toThrow(/PAYMENT_CURRENCY: amounts are kept in cents/);
      }
      expect(() => loadConfig({ NODE_ENV: 'test', STRIPE_API_BASE: 'ftp://127.0.0.1' })).toThrow(/STRIPE_API_BASE: must be an http:\/\/ or https:\/\/ URL/);
      expect(() => loadConfig({ NODE_ENV: 'test', PAYMENT_PROVIDER: 'paypal' })).toThrow(/PAYMENT_PROVIDER/);
    });
  });

  test('.env.example documents every variable the engine reads, and nothing else', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(new Set(documented)).toEqual(new Set(CONFIG_VARIABLES));
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(30);
  });
});
