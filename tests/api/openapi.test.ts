/**
 * The API's OpenAPI document (GET /api/openapi.json, built by src/api/openapi.ts from the
 * handlers' zod schemas) against the engine itself: it names every route the routers register
 * and no other, it is valid OpenAPI 3.1, real requests and responses of the running engine fit
 * the schemas it documents, and its interactive page renders in Chromium.
 */
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { pino } from 'pino';
import { createApi } from '../../src/api/app.ts';
import type { ReservationService } from '../../src/reservations/service.ts';
import { launchChromium, SCREENSHOTS } from '../helpers/browser.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface OpenApi {
  openapi: string;
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}
interface Operation {
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown>; 'x-error-codes'?: string[] }>;
  security?: Array<Record<string, string[]>>;
}

let engine: TestEngine;
let doc: OpenApi;
let ajv: Ajv2020;

beforeAll(async () => {
  engine = await startTestEngine('openapi', { RATE_LIMIT_HOLDS_PER_MINUTE: '0', RATE_LIMIT_FAILED_LOGINS: '2' });
  const res = await engine.request('GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = res.body;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; the document is one schema resource so its $refs resolve
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(doc as object, 'openapi.json');
});
afterAll(async () => { await engine?.close(); });

/** `/api/events/:eventId` → `/api/events/{eventId}` */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/**
 * Every route of every router the app mounts, as `METHOD /path`, walking each @koa/router's
 * stack (Koa keeps the routers' dispatch middleware, which points back at its router). HEAD is
 * left out: the router adds it to every GET by itself. Nothing else is excluded; /metrics is no
 * router route (src/metrics.ts answers it before the routers, in Prometheus' text format).
 */
function routesOf(app: Koa<any, any>): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  for (const middleware of app.middleware as Array<{ router?: Router<any, any> }>) {
    if (!(middleware.router instanceof Router)) continue;
    for (const layer of middleware.router.stack) {
      for (const method of layer.methods) {
        if (method === 'HEAD') continue;
        routes.set(`${method} ${openApiPath(layer.path as string)}`, layer.paramNames.map((p) => String(p.name)));
      }
    }
  }
  return routes;
}

/** `METHOD /path` of every operation in the document. */
function documentedRoutes(): Map<string, Operation> {
  const routes = new Map<string, Operation>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item) as Array<[Method, Operation]>) routes.set(`${method.toUpperCase()} ${path}`, operation);
  }
  return routes;
}

/** The app as production builds it, from the test engine's config (the routers are what matter here, not the service). */
function buildApp(): Koa<any, any> {
  return createApi({ config: engine.config, pool: engine.db.pool, service: {} as ReservationService, log: pino({ level: 'silent' }), health: {} });
}

function operation(method: Method, path: string): Operation {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return op;
}

const validators = new Map<string, ValidateFunction>();
function validatorAt(...parts: string[]): ValidateFunction {
  const ref = `openapi.json#/${pointer(...parts)}`;
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
  return validate;
}

/** A real response fits what the document says its route answers with that status. */
function expectDocumentedResponse(method: Method, path: string, res: { status: number; body: unknown; headers: Headers }) {
  const documented = operation(method, path).responses[String(res.status)];
  expect({ route: `${method.toUpperCase()} ${path}`, status: res.status, documented: documented !== undefined }).toEqual({ route: `${method.toUpperCase()} ${path}`, status: res.status, documented: true });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const validate = validatorAt('paths', path, method, 'responses', String(res.status), 'content', 'application/json', 'schema');
  expect({ status: res.status, body: res.body, errors: validate(res.body) ? null : validate.errors }).toEqual({ status: res.status, body: res.body, errors: null });
  for (const header of Object.keys(documented.headers ?? {})) expect({ header, value: res.headers.get(header) }).toEqual({ header, value: expect.any(String) });
  if (res.status >= 400) {
    // the one Error schema, and a code this status is documented to carry
    expect(documented.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(documented['x-error-codes']).toContain((res.body as { error: { code: string } }).error.code);
  }
}

function requestBodyValidator(method: Method, path: string): ValidateFunction {
  return validatorAt('paths', path, method, 'requestBody', 'content', 'application/json', 'schema');
}

describe('the OpenAPI document', () => {
  test('documents every route the routers register, with the same method, path and path parameters, and nothing else', () => {
    const routed = routesOf(buildApp());
    const documented = documentedRoutes();
    expect(routed.size).toBeGreaterThanOrEqual(20);
    expect([...routed.keys()]).toEqual(expect.arrayContaining(['POST /api/reservations', 'GET /api/events/{eventId}', 'GET /api/openapi.json']));

    const undocumented = [...routed.keys()].filter((route) => !documented.has(route));
    const notRouted = [...documented.keys()].filter((route) => !routed.has(route));
    expect({ undocumented, notRouted }).toEqual({ undocumented: [], notRouted: [] });

    for (const [route, params] of routed) {
      const inPath = (documented.get(route)!.parameters ?? []).filter((p) => p.in === 'path');
      expect({ route, params: inPath.map((p) => p.name).sort(), required: inPath.every((p) => p.required === true) })
        .toEqual({ route, params: [...params].sort(), required: true });
    }
  });

  test('a route added to a router without documenting it is reported', () => {
    const app = buildApp();
    const extra = new Router({ prefix: '/api' });
    extra.get('/undocumented/:thing', async (ctx) => { ctx.body = {}; });
    app.use(extra.routes());
    const documented = documentedRoutes();
    expect([...routesOf(app).keys()].filter((route) => !documented.has(route))).toEqual(['GET /api/undocumented/{thing}']);
  });

  test('is valid OpenAPI 3.1, and the validator refuses a broken copy of it', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const validator = new Validator();
    expect(await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>)).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');

    const broken = structuredClone(doc);
    // a Swagger 2.0 habit that OpenAPI 3.1 forbids: a body parameter
    broken.paths['/api/reservations'].post!.parameters = [{ in: 'body', name: 'hold' }];
    expect((await new Validator().validate(broken as unknown as Record<string, unknown>)).valid).toBe(false);
  });

  test('describes bearer security on the routes that need a token, and none on the public ones', () => {
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }));
    const secured = [...documentedRoutes()].filter(([, op]) => op.security?.some((s) => 'bearerAuth' in s)).map(([route]) => route).sort();
    expect(secured).toEqual([
      'DELETE /api/admin/users/{id}/roles/{role}', 'DELETE /api/organizer/events/{eventId}', 'GET /api/admin/tenants', 'GET /api/admin/users', 'GET /api/admin/users/{id}',
      'GET /api/bookings', 'GET /api/bookings/{reference}/calendar.ics', 'GET /api/bookings/{reference}/tickets',
      'GET /api/bookings/{reference}/tickets.pdf', 'GET /api/events/{eventId}/discount-codes/{code}', 'GET /api/me', 'GET /api/organizer/events',
      'GET /api/organizer/events/{eventId}', 'GET /api/organizer/events/{eventId}/discount-codes', 'GET /api/organizer/events/{eventId}/reservations', 'GET /api/organizer/events/{eventId}/stats', 'POST /api/organizer/events/{eventId}/discount-codes', 'GET /api/organizer/venues', 'GET /api/organizer/venues/{venueId}/templates', 'GET /api/reservations', 'GET /api/reservations/{id}',
      'GET /api/support/events/{eventId}/attendees.csv', 'GET /api/support/events/{eventId}/discount-codes',
      'GET /api/support/events/{eventId}/stats', 'GET /api/support/reservations', 'GET /api/tickets', 'PATCH /api/organizer/events/{eventId}',
      'POST /api/admin/tenants', 'POST /api/bookings/{reference}/cancel', 'POST /api/checkin', 'POST /api/organizer/events',
      'POST /api/organizer/events/{eventId}/cancel', 'POST /api/organizer/events/{eventId}/publish', 'POST /api/organizer/venues',
      'POST /api/reservations', 'POST /api/reservations/{id}/cancel', 'POST /api/reservations/{id}/checkout', 'POST /api/reservations/{id}/extend',
      'POST /api/support/bookings/{reference}/cancel', 'POST /api/support/events/{eventId}/discount-codes',
      'POST /api/support/reservations/{id}/cancel', 'POST /api/support/reservations/{id}/extend', 'POST /api/tickets/{ticketId}/transfer',
      'PUT /api/admin/users/{id}/roles/{role}', 'PUT /api/organizer/events/{eventId}/sections', 'PUT /api/organizer/venues/{venueId}/templates',
      'GET /api/admin/tenants/{tenantId}/apps', 'POST /api/admin/tenants/{tenantId}/apps', 'DELETE /api/admin/tenants/{tenantId}/apps/{appId}',
      'GET /api/organizer/apps', 'POST /api/organizer/apps', 'DELETE /api/organizer/apps/{appId}', 'GET /api/support/audit', 'GET /api/organizer/events/{eventId}/audit',
      'GET /api/organizer/webhooks', 'POST /api/organizer/webhooks', 'PATCH /api/organizer/webhooks/{endpointId}', 'DELETE /api/organizer/webhooks/{endpointId}',
      'GET /api/organizer/webhooks/{endpointId}/deliveries',
      // waitlists: join, leave, mine; staff and organizer views
      'POST /api/events/{eventId}/sections/{sectionId}/waitlist', 'DELETE /api/events/{eventId}/sections/{sectionId}/waitlist', 'GET /api/waitlist',
      'GET /api/support/events/{eventId}/waitlist', 'GET /api/organizer/events/{eventId}/waitlist', 'GET /api/organizer/stats',
      // featured events (admins)
      'PUT /api/admin/events/{eventId}/featured', 'DELETE /api/admin/events/{eventId}/featured',
    ].sort());
    // every secured route documents its 401, and every error response refers to the one Error schema
    for (const [route, op] of documentedRoutes()) {
      if (op.security) expect({ route, has401: '401' in op.responses }).toEqual({ route, has401: true });
      for (const [status, response] of Object.entries(op.responses)) {
        if (status === 'default' || Number(status) >= 400 && !(route === 'GET /api/health' && status === '503')) {
          expect({ route, status, schema: response.content?.['application/json'].schema }).toEqual({ route, status, schema: { $ref: '#/components/schemas/Error' } });
        }
      }
    }
  });

  test("the hold's documented request body is the one the handler parses: what it accepts is held, what it refuses is a 400", async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const customer = await engine.register();
    const validBody = requestBodyValidator('post', '/api/reservations');

    const good = { eventId, seatIds: [seatIds[0]], holdSeconds: 120 };
    expect(validBody(good)).toBe(true);
    const held = await engine.request('POST', '/api/reservations', { token: customer.token, body: good, headers: { 'idempotency-key': `openapi-${randomUUID()}` } });
    expect(held.status).toBe(201);
    expectDocumentedResponse('post', '/api/reservations', held);

    const refused: Array<[string, unknown]> = [
      ['an unknown key', { eventId, seatIds: [seatIds[1]], color: 'red' }],
      ['both seats and a section', { eventId, seatIds: [seatIds[1]], sectionId: randomUUID(), quantity: 1 }],
      ['a hold longer than HOLD_MAX_SECONDS', { eventId, seatIds: [seatIds[1]], holdSeconds: engine.config.HOLD_MAX_SECONDS + 1 }],
      ['more seats than HOLD_MAX_SEATS', { eventId, seatIds: seatIds.slice(1, engine.config.HOLD_MAX_SEATS + 2) }],
      ['an event id that is not a uuid', { eventId: 'nope', seatIds: [seatIds[1]] }],
      ['no seats and no section', { eventId }],
    ];
    for (const [what, body] of refused) {
      expect({ what, documentAccepts: validBody(body) }).toEqual({ what, documentAccepts: false });
      const res = await engine.request('POST', '/api/reservations', { token: customer.token, body });
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({ what, status: 400, code: 'VALIDATION_FAILED' });
      expectDocumentedResponse('post', '/api/reservations', res);
    }
  });

  test('real responses of the running engine fit their documented schemas, errors included', async () => {
    const { eventId, seatIds, sectionIds } = await engine.createEvent();
    const registered = await engine.request('POST', '/api/auth/register', { body: { email: `openapi-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery', name: 'Open Api' } });
    expectDocumentedResponse('post', '/api/auth/register', registered);
    const token: string = registered.body.token;
    const email: string = registered.body.customer.email;
    const support = await engine.register('support');
    const as = (method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => engine.request(method, path, options);

    expectDocumentedResponse('post', '/api/auth/login', await as('POST', '/api/auth/login', { body: { email, password: 'correct horse battery' } }));
    expectDocumentedResponse('get', '/api/me', await as('GET', '/api/me', { token }));
    const refreshed = await as('POST', '/api/auth/refresh', { body: { refreshToken: registered.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expectDocumentedResponse('post', '/api/auth/refresh', refreshed);
    const reused = await as('POST', '/api/auth/refresh', { body: { refreshToken: registered.body.refreshToken } });
    expect({ status: reused.status, reason: reused.body.error?.details.reason }).toEqual({ status: 401, reason: 'REUSED' });
    expectDocumentedResponse('post', '/api/auth/refresh', reused);
    const loggedOut = await as('POST', '/api/auth/logout', { body: { refreshToken: refreshed.body.refreshToken } });
    expect(loggedOut.status).toBe(204);
    expect(operation('post', '/api/auth/logout').responses['204']).toBeDefined();
    const admin = await engine.register('admin');
    const someone = await engine.register();
    expectDocumentedResponse('put', '/api/admin/users/{id}/roles/{role}', await as('PUT', `/api/admin/users/${someone.customerId}/roles/organizer`, { token: admin.token, body: { tenantId: await engine.createTenant() } }));
    expectDocumentedResponse('get', '/api/admin/users/{id}', await as('GET', `/api/admin/users/${someone.customerId}`, { token: admin.token }));
    expectDocumentedResponse('get', '/api/admin/users', await as('GET', `/api/admin/users?email=${encodeURIComponent(someone.email.toUpperCase())}`, { token: admin.token }));
    expectDocumentedResponse('delete', '/api/admin/users/{id}/roles/{role}', await as('DELETE', `/api/admin/users/${someone.customerId}/roles/organizer`, { token: admin.token }));
    expectDocumentedResponse('delete', '/api/admin/users/{id}/roles/{role}', await as('DELETE', `/api/admin/users/${someone.customerId}/roles/organizer`, { token: admin.token }));
    expectDocumentedResponse('post', '/api/admin/tenants', await as('POST', '/api/admin/tenants', { token: admin.token, body: { name: `OpenAPI ${randomUUID()}` } }));
    expectDocumentedResponse('get', '/api/admin/tenants', await as('GET', '/api/admin/tenants', { token: admin.token }));
    // a tenant's app: created (its key once), listed, revoked; the audit trail that recorded it
    const appTenant = await engine.createTenant();
    const app = await as('POST', `/api/admin/tenants/${appTenant}/apps`, { token: admin.token, body: { name: 'OpenAPI app', allowedOrigins: ['https://openapi.example.com'] } });
    expect(app.status).toBe(201);
    expectDocumentedResponse('post', '/api/admin/tenants/{tenantId}/apps', app);
    expectDocumentedResponse('get', '/api/admin/tenants/{tenantId}/apps', await as('GET', `/api/admin/tenants/${appTenant}/apps`, { token: admin.token }));
    expectDocumentedResponse('delete', '/api/admin/tenants/{tenantId}/apps/{appId}', await as('DELETE', `/api/admin/tenants/${appTenant}/apps/${app.body.app.id}`, { token: admin.token }));
    const audit = await as('GET', `/api/support/audit?actorId=${admin.customerId}&limit=3`, { token: admin.token });
    expect(audit.body.items.length).toBe(3);
    expectDocumentedResponse('get', '/api/support/audit', audit);
    expectDocumentedResponse('get', '/api/support/audit', await as('GET', '/api/support/audit', { token: admin.token }));

    // an organizer's draft: created, edited, laid out anew, published, refused a change, listed
    const organizer = await engine.register('organizer');
    const venue = await as('POST', '/api/organizer/venues', { token: organizer.token, body: { name: 'OpenAPI Hall' } });
    expectDocumentedResponse('post', '/api/organizer/venues', venue);
    expectDocumentedResponse('get', '/api/organizer/venues', await as('GET', '/api/organizer/venues', { token: organizer.token }));
    const templatesPath = `/api/organizer/venues/${venue.body.venue.id}/templates`;
    expectDocumentedResponse('put', '/api/organizer/venues/{venueId}/templates', await as('PUT', templatesPath, { token: organizer.token, body: { templates: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 1000, rows: 1, seatsPerRow: 2, numbering: 'ODD' }] } }));
    expectDocumentedResponse('get', '/api/organizer/venues/{venueId}/templates', await as('GET', templatesPath, { token: organizer.token }));
    expectDocumentedResponse('get', '/api/organizer/venues/{venueId}/templates', await as('GET', `/api/organizer/venues/${randomUUID()}/templates`, { token: organizer.token }));
    const created = await as('POST', '/api/organizer/events', { token: organizer.token, body: {
      venueId: venue.body.venue.id, name: 'OpenAPI gig', startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 1000, rows: 1, seatsPerRow: 3 }, { name: 'Floor', kind: 'GA', priceCents: 0, capacity: 3 }],
    } });
    expect(created.status).toBe(201);
    expectDocumentedResponse('post', '/api/organizer/events', created);
    const draftPath = `/api/organizer/events/${created.body.id}`;
    expectDocumentedResponse('get', '/api/organizer/events/{eventId}', await as('GET', draftPath, { token: organizer.token }));
    expectDocumentedResponse('patch', '/api/organizer/events/{eventId}', await as('PATCH', draftPath, { token: organizer.token, body: { maxTicketsPerCustomer: 4 } }));
    expectDocumentedResponse('put', '/api/organizer/events/{eventId}/sections', await as('PUT', `${draftPath}/sections`, { token: organizer.token, body: { sections: [{ name: 'Floor', kind: 'GA', priceCents: 500, capacity: 5 }] } }));
    expectDocumentedResponse('post', '/api/organizer/events/{eventId}/publish', await as('POST', `${draftPath}/publish`, { token: organizer.token }));
    expectDocumentedResponse('get', '/api/organizer/events', await as('GET', '/api/organizer/events', { token: organizer.token }));
    const gaSectionOfDraft = (await as('GET', draftPath, { token: organizer.token })).body.sections[0].id;
    expect((await as('POST', '/api/reservations', { token, body: { eventId: created.body.id, sectionId: gaSectionOfDraft, quantity: 1 } })).status).toBe(201);
    const locked = await as('PUT', `${draftPath}/sections`, { token: organizer.token, body: { sections: [{ name: 'Floor', kind: 'GA', priceCents: 500, capacity: 9 }] } });
    expect(locked.status).toBe(409);
    expectDocumentedResponse('put', '/api/organizer/events/{eventId}/sections', locked);
    // cancelled with its live hold (the hold's workflow is signalled)
    const withSales = await as('POST', `${draftPath}/cancel`, { token: organizer.token, body: { reason: 'OpenAPI' } });
    expect(withSales.status).toBe(200);
    expectDocumentedResponse('post', '/api/organizer/events/{eventId}/cancel', withSales);
    expectDocumentedResponse('delete', '/api/organizer/events/{eventId}', await as('DELETE', draftPath, { token: organizer.token }));
    const other = await engine.register('organizer');
    expectDocumentedResponse('get', '/api/organizer/events/{eventId}', await as('GET', draftPath, { token: other.token }));
    expectDocumentedResponse('get', '/api/events', await as('GET', `/api/events?available=true&pageSize=5`));
    expectDocumentedResponse('get', '/api/events/{eventId}', await as('GET', `/api/events/${eventId}`));
    expectDocumentedResponse('get', '/api/events/{eventId}/seats', await as('GET', `/api/events/${eventId}/seats`));
    expectDocumentedResponse('get', '/api/health', await as('GET', '/api/health'));

    // a reserved-seating hold, its replay, then pay for it
    const key = `openapi-${randomUUID()}`;
    const hold = await as('POST', '/api/reservations', { token, body: { eventId, seatIds: seatIds.slice(0, 2) }, headers: { 'idempotency-key': key } });
    expect(hold.status).toBe(201);
    expectDocumentedResponse('post', '/api/reservations', hold);
    const replay = await as('POST', '/api/reservations', { token, body: { eventId, seatIds: seatIds.slice(0, 2) }, headers: { 'idempotency-key': key } });
    expect(replay.status).toBe(200);
    expectDocumentedResponse('post', '/api/reservations', replay);
    const id: string = hold.body.reservation.id;
    expectDocumentedResponse('get', '/api/reservations/{id}', await as('GET', `/api/reservations/${id}`, { token }));
    expectDocumentedResponse('post', '/api/reservations/{id}/extend', await as('POST', `/api/reservations/${id}/extend`, { token, body: { seconds: 30 } }));
    const paid = await as('POST', `/api/reservations/${id}/checkout`, { token, body: { card: { number: '4242424242424242' } }, headers: { 'idempotency-key': `pay-${randomUUID()}` } });
    expect(paid.status).toBe(200);
    expectDocumentedResponse('post', '/api/reservations/{id}/checkout', paid);
    expectDocumentedResponse('get', '/api/bookings', await as('GET', '/api/bookings', { token }));

    // a general-admission hold, cancelled by its customer; another cancelled by support
    const gaSection = sectionIds[1];
    const ga = await as('POST', '/api/reservations', { token, body: { eventId, sectionId: gaSection, quantity: 2 } });
    expect(ga.status).toBe(201);
    expectDocumentedResponse('post', '/api/reservations', ga);
    expectDocumentedResponse('post', '/api/reservations/{id}/cancel', await as('POST', `/api/reservations/${ga.body.reservation.id}/cancel`, { token, body: {} }));
    const another = await as('POST', '/api/reservations', { token, body: { eventId, seatIds: [seatIds[5]] } });
    expectDocumentedResponse('post', '/api/support/reservations/{id}/extend', await as('POST', `/api/support/reservations/${another.body.reservation.id}/extend`, { token: support.token, body: { seconds: 10 } }));
    expectDocumentedResponse('post', '/api/support/reservations/{id}/cancel', await as('POST', `/api/support/reservations/${another.body.reservation.id}/cancel`, { token: support.token, body: { reason: 'customer called' } }));
    expectDocumentedResponse('get', '/api/support/reservations', await as('GET', `/api/support/reservations?eventId=${eventId}`, { token: support.token }));
    expectDocumentedResponse('get', '/api/reservations', await as('GET', '/api/reservations', { token }));

    // errors: each in the Error shape, with a code its status is documented to carry
    const errors: Array<[Method, string, () => ReturnType<typeof as>, number, string]> = [
      ['post', '/api/reservations', () => as('POST', '/api/reservations', { body: { eventId, seatIds: [seatIds[9]] } }), 401, 'UNAUTHENTICATED'],
      ['get', '/api/events', () => as('GET', '/api/events', { token: 'forged' }), 401, 'UNAUTHENTICATED'],
      ['get', '/api/support/reservations', () => as('GET', '/api/support/reservations', { token }), 403, 'FORBIDDEN'],
      ['get', '/api/events/{eventId}', () => as('GET', `/api/events/${randomUUID()}`), 404, 'NOT_FOUND'],
      ['get', '/api/events', () => as('GET', '/api/events?pageSize=1000'), 400, 'VALIDATION_FAILED'],
      ['post', '/api/reservations', () => as('POST', '/api/reservations', { token, body: { eventId, seatIds: seatIds.slice(0, 1) } }), 409, 'SEAT_TAKEN'],
      ['post', '/api/reservations', () => as('POST', '/api/reservations', { token, body: { eventId, seatIds: [seatIds[9]] }, headers: { 'idempotency-key': key } }), 422, 'IDEMPOTENCY_KEY_REUSED'],
      ['post', '/api/reservations/{id}/extend', () => as('POST', `/api/reservations/${id}/extend`, { token, body: {} }), 409, 'INVALID_STATE'],
      ['post', '/api/auth/register', () => as('POST', '/api/auth/register', { body: { email, password: 'correct horse battery', name: 'Again' } }), 409, 'EMAIL_TAKEN'],
      ['post', '/api/reservations/{id}/cancel', () => engine.request('POST', `/api/reservations/${id}/cancel`, { token, raw: 'reason=x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [method, path, call, status, code] of errors) {
      const res = await call();
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status, code });
      expectDocumentedResponse(method, path, res);
    }
    // failed logins beyond RATE_LIMIT_FAILED_LOGINS: 429 with Retry-After, as documented
    let limited: { status: number; body: any; headers: Headers } | undefined;
    for (let attempt = 0; attempt < 4 && limited?.status !== 429; attempt++) {
      limited = await as('POST', '/api/auth/login', { body: { email, password: 'wrong password, clearly' } });
      expectDocumentedResponse('post', '/api/auth/login', limited);
    }
    expect(limited!.status).toBe(429);
    expect(limited!.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('the documentation page', () => {
  test('renders every documented operation in Chromium, with no script or content-security-policy error', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
      const problems: string[] = [];
      page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
      page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
      page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
      const offOrigin: string[] = [];
      page.on('request', (request) => { if (!request.url().startsWith(engine.url) && !request.url().startsWith('data:')) offOrigin.push(request.url()); });

      const response = await page.goto(`${engine.url}/api/docs`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      // Swagger UI renders the whole document in the page: tens of seconds on a loaded 2-core machine
      await page.locator('.swagger-ui .information-container .title').waitFor({ timeout: 60_000 });
      await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 60_000 });

      const operations = [...documentedRoutes().keys()];
      const shown = await page.locator('.swagger-ui .opblock').evaluateAll((blocks) => blocks.map((block) => {
        const el = block as unknown as { querySelector(s: string): { textContent: string | null } | null };
        return `${el.querySelector('.opblock-summary-method')?.textContent} ${el.querySelector('.opblock-summary-path')?.textContent?.replace(/\u200b/g, '')}`;
      }));
      expect(shown.sort()).toEqual(operations.sort());
      expect(await page.locator('.swagger-ui .information-container .title').textContent()).toContain('Booking engine API');
      // the bearer scheme offers the Authorize button
      expect(await page.locator('.swagger-ui .auth-wrapper .authorize').count()).toBe(1);

      // open the hold: its request body schema is on the page
      await page.locator('#operations-Reservations-postReservations .opblock-summary').click();
      const hold = page.locator('#operations-Reservations-postReservations .opblock-body');
      await hold.waitFor({ timeout: 10_000 });
      await hold.locator('.opblock-section-request-body').filter({ hasText: 'seatIds' }).waitFor({ timeout: 10_000 });
      expect(await hold.textContent()).toContain('idempotency-key');

      await page.screenshot({ path: `${SCREENSHOTS}/openapi-docs.png`, fullPage: false });
      expect({ problems, offOrigin }).toEqual({ problems: [], offOrigin: [] });
    } finally {
      await browser.close();
    }
  }, 180_000);
});
