import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * Every environment variable the engine reads, validated once at start-up.
 * Documented in .env.example. Development and test get local defaults; production
 * must set every secret and address explicitly. NODE_ENV itself has no default: a process
 * that does not say what it is refuses to start (`npm start` says development, tests say test).
 */
const booleanString = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const DEV_JWT_SECRET = 'development-only-jwt-secret-do-not-use-in-production';
const DEV_TICKET_SIGNING_SECRET = 'development-only-ticket-signing-secret-do-not-use-in-production';
const DEV_WEBHOOK_SECRET_KEY = 'development-only-webhook-secret-key-do-not-use-in-production';
const NODE_ENVS = ['development', 'test', 'production'] as const;

/** A comma-separated list of web origins (scheme://host[:port], nothing after it). */
const originList = z.string().transform((value, ctx) => {
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try { parsed = new URL(origin); } catch { /* reported below */ }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin: give scheme://host[:port] without a path or a trailing slash, e.g. https://shop.example.com` });
    }
  }
  return origins;
});

/**
 * Currencies whose smallest unit is not a hundredth: the engine keeps amounts in cents and Stripe
 * takes them in the currency's smallest unit, so a price of 5000 cents would be charged as 5000
 * yen (zero-decimal) or 5.000 dinars (three-decimal).
 */
const CURRENCIES_WITHOUT_CENTS = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf', 'bhd', 'jod', 'kwd', 'omr', 'tnd']);
const currency = z.string().trim().toLowerCase()
  .regex(/^[a-z]{3}$/, 'must be a three-letter ISO 4217 currency code, e.g. eur')
  .refine((code) => !CURRENCIES_WITHOUT_CENTS.has(code), 'amounts are kept in cents: a currency without two decimal places (e.g. jpy, kwd) is not supported');

/** An empty value (`STRIPE_SECRET_KEY=` in a file, `${STRIPE_SECRET_KEY:-}` in compose) counts as unset. */
const unsetIfEmpty = <T extends z.ZodType>(inner: T) => z.preprocess((value) => (value === '' ? undefined : value), inner.optional());

const isTestModeKey = (key: string) => /^(sk|rk)_test_/.test(key);

const isLoopback = (host: string) => /^(127(\.\d{1,3}){3}|localhost|::1|\[::1\])$/i.test(host);

const schema = z
  .object({
    NODE_ENV: z.enum(NODE_ENVS, {
      error: (issue) => issue.input === undefined
        ? 'NODE_ENV is not set: set NODE_ENV=production for a deployment (development for local use; `npm start` sets it)'
        : `NODE_ENV must be one of ${NODE_ENVS.join(', ')}`,
    }),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z.string().url().optional(),
    // a few per core: more connections than PostgreSQL has cores to run them only contend (measured)
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(2 * availableParallelism() + 2),
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
    JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
    // access tokens are short-lived (the role travels in them); refresh tokens renew them (src/db/refresh-tokens.ts)
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().max(60 * 60 * 24).default(15 * 60),
    REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().max(60 * 60 * 24 * 365).default(60 * 60 * 24 * 30),
    // signs the QR codes of tickets (HMAC-SHA256, src/tickets/codes.ts); changing it voids every issued code
    TICKET_SIGNING_SECRET: z.string().min(32, 'TICKET_SIGNING_SECRET must be at least 32 characters').optional(),

    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('reservations'),
    TEMPORAL_TLS: booleanString.default(false),
    TEMPORAL_TLS_CERT_PATH: z.string().optional(),
    TEMPORAL_TLS_KEY_PATH: z.string().optional(),
    TEMPORAL_API_KEY: z.string().optional(),
    TEMPORAL_CLI: z.string().optional(),
    TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
    TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
    TEMPORAL_DB_FILE: z.string().min(1).default('.data/temporal.db'),
    TEMPORAL_UI_URL: z.string().url().optional(),
    TEMPORAL_WORKFLOW_BUNDLE: z.string().min(1).optional(),

    HOLD_DEFAULT_SECONDS: z.coerce.number().int().positive().default(600),
    HOLD_MIN_SECONDS: z.coerce.number().int().positive().default(2),
    HOLD_MAX_SECONDS: z.coerce.number().int().positive().default(1800),
    HOLD_EXTENSIONS: z.coerce.number().int().min(0).max(10).default(1),
    HOLD_EXTENSION_MAX_SECONDS: z.coerce.number().int().positive().max(3600).default(300),
    LOST_HOLD_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().positive().default(15),
    LOST_HOLD_SWEEP_MARGIN_SECONDS: z.coerce.number().int().min(0).default(30),
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    TEMPORAL_METRICS_BIND_ADDRESS: z.string().regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port').optional(),
    RATE_LIMIT_HOLDS_PER_MINUTE: z.coerce.number().int().min(0).default(30),
    RATE_LIMIT_FAILED_LOGINS: z.coerce.number().int().min(0).default(10),
    RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT: z.coerce.number().int().min(0).default(50),
    RATE_LIMIT_REGISTRATIONS_PER_HOUR: z.coerce.number().int().min(0).default(20),
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    CORS_ORIGINS: originList.default([]),
    HOLD_MAX_SEATS: z.coerce.number().int().positive().max(100).default(10),
    // holds claimed in batches (src/db/reservations.ts createClaimBatcher): at most this many per statement (1: each alone)
    HOLD_CLAIM_BATCH: z.coerce.number().int().min(1).max(60).default(50),
    HOLD_CLAIMS_IN_FLIGHT: z.coerce.number().int().min(1).max(50).default(2),
    PASSIVE_EXPIRY_GRACE_SECONDS: z.coerce.number().int().min(0).default(1),
    PAYMENT_WINDOW_SECONDS: z.coerce.number().int().min(30).max(3600).default(120),
    PAYMENT_FOLLOW_UP_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
    RECONCILE_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
    // event workflows (workflows/event-lifecycle.ts): how often one on sale checks for SOLD_OUT ⇄ ON_SALE,
    // and how often the worker looks for published events whose workflow was never started
    EVENT_INVENTORY_CHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    EVENT_WORKFLOW_SWEEP_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
    WORKFLOW_STARTS_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).default(32),
    WORKFLOW_STARTER_POLL_MS: z.coerce.number().int().min(5).max(10_000).default(50),
    WORKFLOW_STARTS_EAGER: booleanString.default(true),
    WORKFLOW_START_DEFER_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
    // a sale in progress (src/reservations/sale-signal.ts): the API processes answering holds at least this fast, together, say so
    // through Redis (0: never), and the starters then defer new starts up to WORKFLOW_START_SALE_DEFER_MS (0: never)
    SALE_HOLDS_PER_SECOND: z.coerce.number().int().min(0).max(100_000).default(100),
    WORKFLOW_START_SALE_DEFER_MS: z.coerce.number().int().min(0).max(60_000).default(10_000),
    WORKFLOW_FIRST_TASK_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(30_000),
    WORKFLOW_FIRST_TASK_DELAY_BURST: z.coerce.number().int().min(0).max(1000).default(8),
    PAYMENT_SLOW_MS: z.coerce.number().int().min(0).default(4000),

    // Who takes the money (src/payments/): Stripe, or the simulated provider of development and tests.
    PAYMENT_PROVIDER: unsetIfEmpty(z.enum(['simulated', 'stripe'])),
    ALLOW_SIMULATED_PAYMENTS: booleanString.default(false),
    STRIPE_SECRET_KEY: unsetIfEmpty(z.string().regex(/^(sk|rk)_(live|test)_\w+$/, 'must be a Stripe secret key (sk_live_..., sk_test_...) or restricted key (rk_live_..., rk_test_...)')),
    STRIPE_API_BASE: unsetIfEmpty(z.string().url().refine((url) => /^https?:$/.test(new URL(url).protocol), 'must be an http:// or https:// URL')),
    PAYMENT_CURRENCY: currency.default('eur'),

    // The split deployment on one machine (`npm run start:cluster`, src/cluster.ts) and the full
    // Temporal server on PostgreSQL it can run instead of the dev server.
    TEMPORAL_SERVER: z.enum(['dev', 'full']).default('dev'),
    TEMPORAL_POSTGRES_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432'),
    TEMPORAL_POSTGRES_DB: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a plain lower-case PostgreSQL name').default('temporal'),
    TEMPORAL_POSTGRES_VISIBILITY_DB: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a plain lower-case PostgreSQL name').default('temporal_visibility'),
    CLUSTER_API_PROCESSES: z.coerce.number().int().min(1).max(32).default(2),
    CLUSTER_WORKER_PROCESSES: z.coerce.number().int().min(1).max(32).default(2),
    CLUSTER_GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).optional(),

    SEED_DEMO: booleanString.optional(),
    WEB_DIST: z.string().default('dist/web'),
    OUTBOX_POLL_MS: z.coerce.number().int().positive().default(250),

    // Outbound webhooks (src/webhooks/): the key that encrypts endpoints' signing secrets at rest
    // (none in production: registering an endpoint is refused until it is set), whether plain
    // http://127.0.0.1 (loopback) endpoints are allowed (development and tests; never in production),
    // and how deliveries are tried (the delivery workflow's activity retries, exponential backoff).
    WEBHOOK_SECRET_KEY: unsetIfEmpty(z.string().min(32, 'WEBHOOK_SECRET_KEY must be at least 32 characters')),
    WEBHOOK_ALLOW_HTTP_LOOPBACK: unsetIfEmpty(booleanString),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
    WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(15),
    WEBHOOK_DISPATCH_POLL_MS: z.coerce.number().int().min(5).max(60_000).default(500),
    // how long after its start, and how often after, a PENDING delivery's workflow is looked at (closed without an outcome: FAILED)
    WEBHOOK_CHECK_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
    // Inbound: the payment provider's webhooks (POST /api/payments/stripe/webhook): Stripe's endpoint
    // secret (whsec_...; without it the route answers 503) and how old a signed timestamp may be.
    STRIPE_WEBHOOK_SECRET: unsetIfEmpty(z.string().regex(/^whsec_\w+$/, 'must be a Stripe webhook endpoint secret (whsec_...)')),
    STRIPE_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    // waitlists (src/waitlist/): how long an offer's hold lasts, and how often the waker looks for sections to wake
    WAITLIST_OFFER_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    WAITLIST_WAKER_POLL_MS: z.coerce.number().int().min(5).max(60_000).default(200),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      for (const key of ['JWT_SECRET', 'TICKET_SIGNING_SECRET', 'DATABASE_URL', 'TEMPORAL_ADDRESS'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required when NODE_ENV=production` });
      }
    }
    const paymentProvider = env.PAYMENT_PROVIDER ?? (env.NODE_ENV === 'production' ? 'stripe' : 'simulated');
    if (paymentProvider === 'stripe' && !env.STRIPE_SECRET_KEY) {
      ctx.addIssue({ code: 'custom', path: ['STRIPE_SECRET_KEY'], message: `STRIPE_SECRET_KEY is required when PAYMENT_PROVIDER=stripe${env.PAYMENT_PROVIDER ? '' : ' (the default when NODE_ENV=production)'}` });
    }
    // production takes real money, unless someone says in so many words that it must not
    if (env.NODE_ENV === 'production' && !env.ALLOW_SIMULATED_PAYMENTS) {
      const escape = 'set ALLOW_SIMULATED_PAYMENTS=true only for a staging demo where no one pays';
      if (paymentProvider === 'simulated') {
        ctx.addIssue({ code: 'custom', path: ['PAYMENT_PROVIDER'], message: `PAYMENT_PROVIDER=simulated is refused when NODE_ENV=production: the simulated provider accepts any card number and takes no money. Use PAYMENT_PROVIDER=stripe with STRIPE_SECRET_KEY, or ${escape}` });
      } else {
        if (env.STRIPE_SECRET_KEY && isTestModeKey(env.STRIPE_SECRET_KEY)) {
          ctx.addIssue({ code: 'custom', path: ['STRIPE_SECRET_KEY'], message: `a Stripe test-mode key is refused when NODE_ENV=production: test mode takes no money. Use a live key (sk_live_/rk_live_), or ${escape}` });
        }
        if (env.STRIPE_API_BASE) {
          ctx.addIssue({ code: 'custom', path: ['STRIPE_API_BASE'], message: `STRIPE_API_BASE is refused when NODE_ENV=production: payments go to Stripe's own API. It is for stripe-mock; unset it, or ${escape}` });
        }
      }
    }
    if (env.NODE_ENV !== 'production' && !env.JWT_SECRET && !isLoopback(env.HOST)) {
      // the development secret is in the repository: whoever reaches the port could forge tokens
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: `JWT_SECRET is required when HOST (${env.HOST}) is not a loopback address: the built-in development secret is public` });
    }
    if (env.TICKET_SIGNING_SECRET && env.TICKET_SIGNING_SECRET === env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['TICKET_SIGNING_SECRET'], message: 'TICKET_SIGNING_SECRET must differ from JWT_SECRET: one leaked secret must not forge both tokens and tickets' });
    }
    if (env.NODE_ENV !== 'production' && !env.TICKET_SIGNING_SECRET && !isLoopback(env.HOST)) {
      // with the public development secret anyone could make tickets that pass the door
      ctx.addIssue({ code: 'custom', path: ['TICKET_SIGNING_SECRET'], message: `TICKET_SIGNING_SECRET is required when HOST (${env.HOST}) is not a loopback address: the built-in development secret is public` });
    }
    if (env.NODE_ENV === 'production' && env.WEBHOOK_ALLOW_HTTP_LOOPBACK) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_ALLOW_HTTP_LOOPBACK'], message: 'WEBHOOK_ALLOW_HTTP_LOOPBACK=true is refused when NODE_ENV=production: webhook endpoints must be https:// URLs of public hosts' });
    }
    if (env.WEBHOOK_SECRET_KEY && [env.JWT_SECRET, env.TICKET_SIGNING_SECRET].includes(env.WEBHOOK_SECRET_KEY)) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRET_KEY'], message: 'WEBHOOK_SECRET_KEY must differ from JWT_SECRET and TICKET_SIGNING_SECRET' });
    }
    if (env.WEBHOOK_RETRY_INITIAL_MS > env.WEBHOOK_RETRY_MAX_MS) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_RETRY_INITIAL_MS'], message: 'must not exceed WEBHOOK_RETRY_MAX_MS' });
    }
    if (env.REFRESH_TOKEN_TTL_SECONDS <= env.ACCESS_TOKEN_TTL_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['REFRESH_TOKEN_TTL_SECONDS'], message: 'must be longer than ACCESS_TOKEN_TTL_SECONDS' });
    }
    if (env.HOLD_MIN_SECONDS > env.HOLD_MAX_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['HOLD_MIN_SECONDS'], message: 'must not exceed HOLD_MAX_SECONDS' });
    }
    if (env.HOLD_DEFAULT_SECONDS < env.HOLD_MIN_SECONDS || env.HOLD_DEFAULT_SECONDS > env.HOLD_MAX_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['HOLD_DEFAULT_SECONDS'], message: 'must lie between HOLD_MIN_SECONDS and HOLD_MAX_SECONDS' });
    }
  });

export type Env = z.infer<typeof schema>;
/** The names of every variable the engine reads (each must be documented in .env.example). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);
export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {}

export function loadConfig(source: NodeJS.ProcessEnv = process.env) {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const local = env.NODE_ENV !== 'production';
  return {
    ...env,
    DATABASE_URL: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/booking',
    JWT_SECRET: env.JWT_SECRET ?? (local ? DEV_JWT_SECRET : ''),
    TICKET_SIGNING_SECRET: env.TICKET_SIGNING_SECRET ?? (local ? DEV_TICKET_SIGNING_SECRET : ''),
    SEED_DEMO: env.SEED_DEMO ?? env.NODE_ENV === 'development',
    /** The project starts its own Temporal dev server unless an address is given. */
    startTemporalDevServer: env.TEMPORAL_ADDRESS === undefined,
    temporalAddress: env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_DEV_PORT}`,
    /** Where operators open workflows: given, or the UI of the dev server we start; else none. */
    /** How payment attempts are timed (src/db/payments.ts). */
    paymentTimings: {
      windowSeconds: env.PAYMENT_WINDOW_SECONDS,
      followUpSeconds: env.PAYMENT_FOLLOW_UP_SECONDS,
      passiveGraceSeconds: env.PASSIVE_EXPIRY_GRACE_SECONDS,
    },
    /** Which payment provider the roles build (src/payments/index.ts), and its settings. */
    payments: env.PAYMENT_PROVIDER === 'stripe' || (env.PAYMENT_PROVIDER === undefined && !local)
      ? { provider: 'stripe' as const, secretKey: env.STRIPE_SECRET_KEY!, apiBase: env.STRIPE_API_BASE, currency: env.PAYMENT_CURRENCY, testMode: isTestModeKey(env.STRIPE_SECRET_KEY!) }
      : { provider: 'simulated' as const, slowMs: env.PAYMENT_SLOW_MS },
    /** Outbound webhooks (src/webhooks/): `secretKey` undefined in production until WEBHOOK_SECRET_KEY is set. */
    webhooks: {
      secretKey: env.WEBHOOK_SECRET_KEY ?? (local ? DEV_WEBHOOK_SECRET_KEY : undefined),
      allowHttpLoopback: env.WEBHOOK_ALLOW_HTTP_LOOPBACK ?? local,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retry: { initialIntervalMs: env.WEBHOOK_RETRY_INITIAL_MS, maximumIntervalMs: env.WEBHOOK_RETRY_MAX_MS, maximumAttempts: env.WEBHOOK_MAX_ATTEMPTS },
      checkIntervalMs: env.WEBHOOK_CHECK_INTERVAL_MS,
    },
    temporalUiUrl: (env.TEMPORAL_UI_URL ?? (env.TEMPORAL_ADDRESS === undefined ? `http://127.0.0.1:${env.TEMPORAL_UI_PORT}` : undefined))?.replace(/\/+$/, ''),
  };
}
