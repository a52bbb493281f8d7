import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { type GoBinary, moduleDir, provideGoBinary } from '../../src/go-binaries.ts';
import { spawnTethered } from '../../src/temporal/tethered.ts';
import { eventually } from './wait.ts';

/**
 * Stripe's official mock server for the payment tests: built once with `go install` into
 * ~/.cache/booking-engine/stripe-mock-v0.203.0/ (about 25 s, progress printed), and started by
 * each test file that needs it, on ports the system picks, tethered to the test process (it dies
 * with it however the test ends).
 *
 * stripe-mock answers every request from Stripe's own OpenAPI fixtures and keeps no state: a
 * PaymentIntent comes back in the fixture's status whatever the card, and an idempotent replay is
 * not simulated. `resources` overrides fields of the bundled fixtures (stripe-mock's `-fixtures`
 * option) to choose what it answers, e.g. a PaymentIntent that succeeded. With `-verbose` it logs
 * every request and its parameters, which `requests()` reads back.
 */
export const STRIPE_MOCK_VERSION = 'v0.203.0';
const STRIPE_MOCK: GoBinary = {
  label: 'stripe-mock', module: 'github.com/stripe/stripe-mock', command: 'github.com/stripe/stripe-mock',
  version: STRIPE_MOCK_VERSION, built: 'stripe-mock', cached: 'stripe-mock', duration: 'about 25 s',
};

/** The built binary and the fixtures bundled with it (read from the module's source in Go's module cache). */
async function provideStripeMock(): Promise<{ binary: string; fixtures: string }> {
  const log = pino({ level: 'info' });
  const binary = await provideGoBinary(STRIPE_MOCK, log);
  return { binary, fixtures: join(await moduleDir(STRIPE_MOCK), 'embedded', 'openapi', 'fixtures3.json') };
}

export interface StripeMockRequest {
  method: string;
  path: string;
  /** The parameters as stripe-mock prints them (a Go map, keys sorted), e.g. `map[amount:5000 confirm:true ...]`. */
  data: string;
}

export interface StripeMock {
  /** For STRIPE_API_BASE. */
  apiBase: string;
  /** Every request it has received, in order. */
  requests(): StripeMockRequest[];
  stop(): Promise<void>;
}

let started = 0;

export async function startStripeMock(label: string, options: { resources?: Record<string, Record<string, unknown>> } = {}): Promise<StripeMock> {
  const { binary, fixtures } = await provideStripeMock();
  const dir = resolve('test-results', 'stripe-mock');
  mkdirSync(dir, { recursive: true });
  const name = `${label}-${process.pid}-${++started}`;
  const args = ['-http-addr', '127.0.0.1:', '-https-addr', '127.0.0.1:', '-verbose'];
  if (options.resources) {
    const bundled = JSON.parse(readFileSync(fixtures, 'utf8')) as { resources: Record<string, Record<string, unknown>> };
    for (const [resource, fields] of Object.entries(options.resources)) {
      if (!bundled.resources[resource]) throw new Error(`stripe-mock has no fixture named ${resource}`);
      Object.assign(bundled.resources[resource], fields);
    }
    const path = join(dir, `${name}.fixtures.json`);
    writeFileSync(path, JSON.stringify(bundled));
    args.push('-fixtures', path);
  }
  const logFile = join(dir, `${name}.log`);
  rmSync(logFile, { force: true });
  const program = await spawnTethered(binary, args, { logFile, graceSeconds: 2 });
  const readLog = () => readFileSync(logFile, 'utf8');
  let exited = false;
  void program.exited.then(() => (exited = true));
  const address = await eventually(() => {
    if (exited) throw new Error(`stripe-mock exited; see ${logFile}`);
    return /Listening for HTTP at address: (\S+)/.exec(readLog())?.[1];
  }, 20_000, `stripe-mock to listen (${logFile})`, 50);
  return {
    apiBase: `http://${address}`,
    requests() {
      const requests: StripeMockRequest[] = [];
      for (const line of readLog().split('\n')) {
        const request = /^Request: (\w+) (\S+)/.exec(line);
        if (request) requests.push({ method: request[1], path: request[2], data: '' });
        const data = /^Request data = (.*)$/.exec(line);
        if (data && requests.length) requests[requests.length - 1].data = data[1];
      }
      return requests;
    },
    stop: () => program.stop(),
  };
}

/** The one PaymentIntent that the `paid` fixtures list carries this key in its metadata. */
export const STRIPE_MOCK_LISTED_KEY = 'listed-by-stripe-mock:charge:0';

/** Fixture fields for a stripe-mock whose PaymentIntents succeeded (the bundled fixture's is unpaid). */
export const PAID_PAYMENT_INTENT = {
  id: 'pi_StripeMockPaid',
  status: 'succeeded',
  amount_received: 5000,
  latest_charge: 'ch_StripeMockPaid',
  last_payment_error: null,
  next_action: null,
  canceled_at: null,
  metadata: { idempotencyKey: STRIPE_MOCK_LISTED_KEY },
};
