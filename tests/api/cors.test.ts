import { io, type Socket } from 'socket.io-client';
import { originAllowed } from '../../src/api/cors.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

const LISTED = 'https://shop.example.com';
const FOREIGN = 'https://evil.example.net';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('cors', { CORS_ORIGINS: `${LISTED},http://localhost:5173` }, { realtime: true }); });
afterAll(async () => { await engine?.close(); });

function preflight(origin: string, path = '/api/reservations') {
  return fetch(`${engine.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
  });
}

describe('CORS on the API (CORS_ORIGINS, same-origin by default)', () => {
  test('a listed origin gets its preflight answered with the methods and headers the API takes', async () => {
    const res = await preflight(LISTED);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,Idempotency-Key');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull(); // tokens travel in a header, not cookies
  });

  test('a preflight from any other origin is refused with 403 in the error shape, without CORS headers', async () => {
    const res = await preflight(FOREIGN);
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await res.json()).toEqual({ error: { code: 'FORBIDDEN', message: `cross-origin requests from ${FOREIGN} are not allowed`, details: { origin: FOREIGN } } });
  });

  test('simple requests: a listed origin may read the answer (and Location, Retry-After), another origin gets no CORS headers', async () => {
    const listed = await fetch(`${engine.url}/api/events`, { headers: { origin: LISTED } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(listed.headers.get('access-control-expose-headers')).toBe('Location,Retry-After');
    expect(listed.headers.get('vary')).toMatch(/Origin/);
    const foreign = await fetch(`${engine.url}/api/events`, { headers: { origin: FOREIGN } });
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the Socket.io gateway checks Origin against the same list', () => {
  const connect = (transport: 'websocket' | 'polling', origin?: string) =>
    new Promise<{ connected: boolean; error?: string }>((resolve) => {
      const socket: Socket = io(engine.url, {
        transports: [transport], reconnection: false, timeout: 5000,
        extraHeaders: origin ? { origin } : {},
      });
      socket.on('connect', () => { socket.close(); resolve({ connected: true }); });
      socket.on('connect_error', (error) => { socket.close(); resolve({ connected: false, error: error.message }); });
    });

  test.each(['websocket', 'polling'] as const)('over %s: the page\'s own origin, a listed origin and a client without Origin connect; another origin is refused', async (transport) => {
    expect(await connect(transport, engine.url)).toEqual({ connected: true });
    expect(await connect(transport, LISTED)).toEqual({ connected: true });
    expect(await connect(transport)).toEqual({ connected: true });
    const refused = await connect(transport, FOREIGN);
    expect(refused.connected).toBe(false);
    expect(await connect(transport, 'null')).toMatchObject({ connected: false });
  });

  test('a refused handshake is answered 403 without CORS headers; a listed origin gets them', async () => {
    const refused = await fetch(`${engine.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: FOREIGN } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const listed = await fetch(`${engine.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: LISTED } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(await listed.text()).toMatch(/"sid":/);
  });
});

describe('originAllowed', () => {
  test('same host as the request, listed origins and no Origin pass; anything else does not', () => {
    expect(originAllowed(undefined, 'shop.example.com', [])).toBe(true);
    expect(originAllowed('https://shop.example.com', 'shop.example.com', [])).toBe(true);
    expect(originAllowed('https://shop.example.com:8443', 'shop.example.com:8443', [])).toBe(true);
    expect(originAllowed('https://app.example.com', 'api.example.com', ['https://app.example.com'])).toBe(true);
    expect(originAllowed('https://app.example.com.evil.net', 'app.example.com', [])).toBe(false);
    expect(originAllowed('http://app.example.com', 'api.example.com', ['https://app.example.com'])).toBe(false);
    expect(originAllowed('null', 'shop.example.com', [])).toBe(false);
    expect(originAllowed('https://shop.example.com', undefined, [])).toBe(false);
  });
});
