import { createHmac, timingSafeEqual } from 'node:crypto';
import { jest } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../src/config.ts';
import { NewWebhookEndpoint } from '../../src/contract/webhooks.ts';
import { webhookSecrets } from '../../src/webhooks/secrets.ts';
import { signedHeaders } from '../../src/webhooks/signing.ts';
import { addressProblem, endpointUrlProblem } from '../../src/webhooks/url-policy.ts';

describe('webhook endpoint URLs', () => {
  test('production takes https URLs of public hosts only', () => {
    expect(endpointUrlProblem('https://hooks.example.com/booking', false)).toBeUndefined();
    expect(endpointUrlProblem('https://93.184.216.34/hook', false)).toBeUndefined();
    for (const url of ['http://hooks.example.com/booking', 'http://127.0.0.1:8080/hook', 'https://127.0.0.1/hook', 'https://10.1.2.3/hook', 'https://192.168.0.10/hook',
      'https://169.254.169.254/latest/meta-data', 'https://[::1]/hook', 'https://[fd00::1]/hook', 'https://localhost/hook', 'https://[::ffff:127.0.0.1]/hook', 'https://[::ffff:a00:1]/hook']) {
      expect({ url, problem: endpointUrlProblem(url, false) }).toEqual({ url, problem: expect.any(String) });
    }
  });

  test('with WEBHOOK_ALLOW_HTTP_LOOPBACK, plain http reaches the loopback address and nothing else', () => {
    expect(endpointUrlProblem('http://127.0.0.1:8080/hook', true)).toBeUndefined();
    expect(endpointUrlProblem('http://localhost:8080/hook', true)).toBeUndefined();
    expect(endpointUrlProblem('http://hooks.example.com/hook', true)).toMatch(/https/);
    expect(endpointUrlProblem('http://10.0.0.1/hook', true)).toMatch(/https/);
    expect(addressProblem('127.0.0.1', true)).toBeUndefined();
    expect(addressProblem('10.0.0.1', true)).toMatch(/not a public address/);
  });

  test('the contract refuses what is no URL of an endpoint', () => {
    for (const url of ['hooks.example.com/booking', 'ftp://files.example.com/x', 'https://user:pass@hooks.example.com/x', 'https://hooks.example.com/x#frag']) {
      expect({ url, ok: NewWebhookEndpoint.safeParse({ url }).success }).toEqual({ url, ok: false });
    }
    expect(NewWebhookEndpoint.parse({ url: 'https://hooks.example.com/x' }).eventTypes).toEqual(['booking.confirmed', 'booking.refunded', 'ticket.transferred']);
    expect(NewWebhookEndpoint.safeParse({ url: 'https://hooks.example.com/x', eventTypes: ['booking.maybe'] }).success).toBe(false);
  });

  test('production refuses WEBHOOK_ALLOW_HTTP_LOOPBACK=true; development and tests allow loopback by default', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/booking', TEMPORAL_ADDRESS: 'temporal:7233', JWT_SECRET: 'x'.repeat(32), TICKET_SIGNING_SECRET: 't'.repeat(32), PAYMENT_PROVIDER: 'simulated', ALLOW_SIMULATED_PAYMENTS: 'true' };
    expect(() => loadConfig({ ...production, WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' })).toThrow(/WEBHOOK_ALLOW_HTTP_LOOPBACK: WEBHOOK_ALLOW_HTTP_LOOPBACK=true is refused when NODE_ENV=production/);
    expect(loadConfig(production).webhooks).toMatchObject({ allowHttpLoopback: false, secretKey: undefined });
    expect(() => loadConfig({ ...production, WEBHOOK_SECRET_KEY: 'x'.repeat(32) })).toThrow(/WEBHOOK_SECRET_KEY must differ/);
    expect(loadConfig({ ...production, WEBHOOK_SECRET_KEY: 'w'.repeat(32) }).webhooks.secretKey).toBe('w'.repeat(32));
    expect(loadConfig({ NODE_ENV: 'test' }).webhooks).toMatchObject({ allowHttpLoopback: true, secretKey: expect.stringMatching(/development-only/) });
  });
});

describe('webhook secrets and signatures', () => {
  test('a secret is sealed for its endpoint: it opens with the same key and id only', () => {
    const secrets = webhookSecrets('k'.repeat(40));
    const secret = secrets.generate();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const sealed = secrets.seal(secret, 'endpoint-a');
    expect(sealed.includes(Buffer.from(secret))).toBe(false);
    expect(secrets.open(sealed, 'endpoint-a')).toBe(secret);
    expect(() => secrets.open(sealed, 'endpoint-b')).toThrow();
    expect(() => webhookSecrets('z'.repeat(40)).open(sealed, 'endpoint-a')).toThrow();
  });

  test('the headers follow Standard Webhooks: HMAC-SHA256 over "<id>.<timestamp>.<body>" with the decoded secret', () => {
    const secret = webhookSecrets('k'.repeat(40)).generate();
    const body = JSON.stringify({ id: 'evt', type: 'booking.confirmed' });
    const at = new Date('2026-12-02T04:00:00Z');
    const headers = signedHeaders(secret, 'msg_1', at, body);
    expect(headers['webhook-timestamp']).toBe(String(at.getTime() / 1000));
    const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`msg_1.${headers['webhook-timestamp']}.${body}`).digest();
    const [version, signature] = headers['webhook-signature'].split(',');
    expect(version).toBe('v1');
    expect(timingSafeEqual(Buffer.from(signature, 'base64'), expected)).toBe(true);
    // the reference library's verify accepts it (at its time), and refuses another secret
    jest.useFakeTimers({ now: at });
    try {
      expect(new Webhook(secret).verify(body, headers)).toEqual({ id: 'evt', type: 'booking.confirmed' });
      expect(() => new Webhook(webhookSecrets('k'.repeat(40)).generate()).verify(body, headers)).toThrow();
    } finally {
      jest.useRealTimers();
    }
  });
});
