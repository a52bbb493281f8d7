import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { ticketCodes } from '../../src/tickets/codes.ts';

const SECRET = 'ticket-codes-unit-test-secret-of-32-chars+';

describe('signed ticket codes', () => {
  const codes = ticketCodes(SECRET);
  const ticketId = randomUUID();
  const eventId = randomUUID();

  test('a code names its ticket and event, is compact, and is the same each time it is made', () => {
    const code = codes.sign({ ticketId, eventId });
    expect(code).toMatch(/^T1\.[A-Za-z0-9_-]{64}$/);
    expect(codes.verify(code)).toEqual({ ticketId, eventId });
    expect(codes.sign({ ticketId, eventId })).toBe(code);
    // a scanner's trailing newline is forgiven
    expect(codes.verify(`${code}\r\n`)).toEqual({ ticketId, eventId });
  });

  test('the payload is the two ids and a tag, nothing else', () => {
    const bytes = Buffer.from(codes.sign({ ticketId, eventId }).slice(3), 'base64url');
    expect(bytes).toHaveLength(48);
    expect(bytes.subarray(0, 16).toString('hex')).toBe(ticketId.replace(/-/g, ''));
    expect(bytes.subarray(16, 32).toString('hex')).toBe(eventId.replace(/-/g, ''));
  });

  test('changing any character of a code makes it invalid', () => {
    const code = codes.sign({ ticketId, eventId });
    for (let at = 0; at < code.length; at++) {
      for (const replacement of ['A', 'z', '0', '-']) {
        if (code[at] === replacement) continue;
        const altered = code.slice(0, at) + replacement + code.slice(at + 1);
        expect({ altered, verified: codes.verify(altered) }).toEqual({ altered, verified: null });
      }
    }
  });

  test('a code signed with another secret, or naming other ids under the same tag, is refused', () => {
    const code = codes.sign({ ticketId, eventId });
    expect(ticketCodes('another-secret-that-is-at-least-32-characters').verify(code)).toBeNull();
    const tag = Buffer.from(code.slice(3), 'base64url').subarray(32);
    const body = Buffer.concat([Buffer.from(randomUUID().replace(/-/g, ''), 'hex'), Buffer.from(eventId.replace(/-/g, ''), 'hex')]);
    expect(codes.verify(`T1.${Buffer.concat([body, tag]).toString('base64url')}`)).toBeNull();
    expect(codes.verify('')).toBeNull();
    expect(codes.verify(`T1.${'A'.repeat(64)}`)).toBeNull();
  });
});

describe('TICKET_SIGNING_SECRET', () => {
  const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/booking', TEMPORAL_ADDRESS: 'temporal:7233', JWT_SECRET: 'j'.repeat(32), PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_live_51AbCdEfGh' };

  test('production refuses to start without it, naming the variable, and never defaults it', () => {
    expect(() => loadConfig(production)).toThrow(/TICKET_SIGNING_SECRET: TICKET_SIGNING_SECRET is required when NODE_ENV=production/);
    expect(loadConfig({ ...production, TICKET_SIGNING_SECRET: 't'.repeat(32) }).TICKET_SIGNING_SECRET).toBe('t'.repeat(32));
  });

  test('it must be at least 32 characters and differ from JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', TICKET_SIGNING_SECRET: 'short' })).toThrow(/TICKET_SIGNING_SECRET: TICKET_SIGNING_SECRET must be at least 32 characters/);
    expect(() => loadConfig({ ...production, TICKET_SIGNING_SECRET: 'j'.repeat(32) })).toThrow(/TICKET_SIGNING_SECRET: TICKET_SIGNING_SECRET must differ from JWT_SECRET/);
  });

  test('development and tests use a development-only secret, on a loopback address only', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).TICKET_SIGNING_SECRET).toMatch(/development-only/);
    expect(() => loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0', JWT_SECRET: 'j'.repeat(32) }))
      .toThrow(/TICKET_SIGNING_SECRET: TICKET_SIGNING_SECRET is required when HOST \(0\.0\.0\.0\) is not a loopback address/);
  });
});
