/**
 * The organizer's event form and event page (issue 10), in Chromium against the real engine: an
 * event created through the form (the API's field error shown next to its field, then published),
 * its page with the live sales figures and its reservations, each linked to its workflow in the
 * Temporal Web UI, and an edit whose layout the API refuses once seats are sold. Screenshots at
 * desktop size and 390x844 in test-results/.
 */
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { createOrganizerEvent, SCREENSHOTS, signedInContext, startOrganizerBrowser, type OrganizerBrowser } from '../helpers/browser.ts';
import { bookSeats } from '../helpers/engine.ts';

const UI = 'http://127.0.0.1:8233';
let organizer: OrganizerBrowser;
let page: Page;
let eventId = '';

beforeAll(async () => {
  organizer = await startOrganizerBrowser('orgui_form', { TEMPORAL_UI_URL: UI });
  page = organizer.page;
  const { engine } = organizer;
  const venue = await engine.request('POST', '/api/organizer/venues', { token: organizer.organizer.token, body: { name: 'Lantern Hall' } });
  // the venue's section templates: the form copies them
  const templates = await engine.request('PUT', `/api/organizer/venues/${venue.body.venue.id}/templates`, { token: organizer.organizer.token, body: { templates: [
    { name: 'Stalls', kind: 'RESERVED', priceCents: 4000, rows: 2, seatsPerRow: 5 },
    { name: 'Floor', kind: 'GA', priceCents: 1500, capacity: 30 },
  ] } });
  expect(templates.status).toBe(200);
}, 60_000);
afterAll(async () => { await organizer?.close(); });

/** A local date and time two weeks ahead, as a datetime-local input takes it. */
const inTwoWeeks = () => {
  const date = new Date(Date.now() + 14 * 86_400_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T19:30`;
};
const eventRows = (name: string) => organizer.engine.db.pool.any(sql.type(z.object({
  id: z.string(), status: z.string(), limit: z.number().nullable(), imageUrl: z.string().nullable(), prices: z.array(z.number()), seats: z.number(),
}))`
  SELECT e.id, e.status, e.max_tickets_per_customer AS "limit", e.image_url AS "imageUrl",
         (SELECT array_agg(price_cents ORDER BY name DESC) FROM sections WHERE event_id = e.id) AS prices,
         (SELECT count(*) FROM seats WHERE event_id = e.id) AS seats
  FROM events e WHERE e.name = ${name}
`);

test('creates an event through the form: the API\'s field error shows next to its field, then it is saved and published', async () => {
  await page.goto(`${organizer.engine.url}/organizer`);
  await page.getByRole('link', { name: 'New event' }).click();
  await page.getByRole('heading', { name: 'New event' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Lantern Festival');
  await page.getByLabel('Description').fill('Lanterns on the water');
  expect(await page.getByLabel('Venue').inputValue()).not.toBe('');
  await page.getByLabel('Starts').fill(inTwoWeeks());
  await page.getByLabel('Tickets per customer').fill('4');
  // an https:// address the API refuses: a private host
  await page.getByLabel('Image URL').fill('https://127.0.0.1/lantern.jpg');
  await page.getByRole('button', { name: "Use the venue's sections" }).click();
  const sections = page.getByTestId('section-fields');
  await sections.nth(1).waitFor();
  expect(await sections.count()).toBe(2);
  await sections.nth(0).getByLabel('Price (€)').fill('45.50');
  await page.getByRole('button', { name: 'Save draft' }).click();

  const image = page.getByLabel('Image URL');
  await page.locator('[aria-invalid="true"]').first().waitFor();
  expect(await image.getAttribute('aria-invalid')).toBe('true');
  const described = (await image.getAttribute('aria-describedby'))!.split(' ').find((id) => id.endsWith('-error'))!;
  expect(await page.locator(`[id="${described}"]`).textContent()).toMatch(/must name a public host/);
  expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBeNull();
  expect(await eventRows('Lantern Festival')).toEqual([]);
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-form-error.png`, fullPage: true });

  await image.fill('https://images.example.com/lantern.jpg');
  await page.getByRole('button', { name: 'Save and publish' }).click();
  await page.waitForURL(/\/organizer\/events\/[0-9a-f-]{36}$/);
  await page.getByText('Lantern Festival is on sale.').waitFor();
  eventId = page.url().split('/').pop()!;
  const [row] = await eventRows('Lantern Festival');
  expect(row).toEqual({ id: eventId, status: 'ON_SALE', limit: 4, imageUrl: 'https://images.example.com/lantern.jpg', prices: [4550, 1500], seats: 40 });
}, 40_000);

test("the event's page shows its live sales and its reservations, each linked to its workflow in the Temporal Web UI", async () => {
  const { engine } = organizer;
  const event = (await engine.request('GET', `/api/events/${eventId}`)).body as { sections: Array<{ id: string; kind: string }>; seats: Array<{ id: string }> };
  const buyer = await engine.register();
  await bookSeats(engine, buyer, eventId, [event.seats[0].id, event.seats[1].id]);
  // another customer: the form set a limit of 4 tickets per customer
  const holder = await engine.register();
  const held = await engine.request('POST', '/api/reservations', { token: holder.token, body: { eventId, sectionId: event.sections.find((s) => s.kind === 'GA')!.id, quantity: 3 } });
  expect(held.status).toBe(201);

  // from the list, the event's name leads to its page
  await page.goto(`${engine.url}/organizer`);
  await organizer.eventRow(eventId).getByRole('link', { name: 'Lantern Festival', exact: true }).click();
  await page.waitForURL(`**/organizer/events/${eventId}`);
  await page.getByRole('heading', { name: /Lantern Festival/ }).waitFor();
  expect(await page.getByTestId('tickets-sold').textContent()).toBe('2 of 40');
  const rows = page.locator('tr[data-reservation-id]');
  await rows.nth(1).waitFor();
  expect(await rows.count()).toBe(2);
  // newest first: the hold, then the booking
  const hold = page.locator(`tr[data-reservation-id="${held.body.reservation.id}"]`);
  expect(await rows.first().getAttribute('data-reservation-id')).toBe(held.body.reservation.id);
  expect(await hold.textContent()).toContain(holder.email);
  expect(await rows.nth(1).textContent()).toContain(buyer.email);
  // seats by section: reserved seats by label, general admission as a count of places
  expect(await hold.textContent()).toContain('Floor × 3');
  expect(await rows.nth(1).textContent()).toContain('Stalls A1, Stalls A2');
  expect(await hold.locator('[data-status]').getAttribute('data-status')).toBe('HELD');
  const link = hold.getByRole('link', { name: /reservation-/ });
  expect(await link.getAttribute('href')).toBe(`${UI}/namespaces/default/workflows/reservation-${held.body.reservation.id}`);
  expect(await rows.nth(1).locator('[data-status]').getAttribute('data-status')).toBe('CONFIRMED');
  // the link names the reservation's workflow, which Temporal has
  expect((await (await engine.workflowOf(held.body.reservation.id)).describe()).workflowId).toBe(`reservation-${held.body.reservation.id}`);
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-event.png`, fullPage: true });

  const phone = await signedInContext(organizer.browser, organizer.organizer, { name: 'Olga Organizer', role: 'organizer' }, { width: 390, height: 844 });
  try {
    const small = await phone.newPage();
    await small.goto(`${engine.url}/organizer/events/${eventId}`);
    await small.locator('tr[data-reservation-id]').nth(1).waitFor();
    await small.screenshot({ path: `${SCREENSHOTS}/organizer-event-phone.png`, fullPage: true });
    await small.goto(`${engine.url}/organizer/events/${eventId}/edit`);
    await small.getByTestId('section-fields').nth(1).waitFor();
    // the form fits the phone's width
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await small.screenshot({ path: `${SCREENSHOTS}/organizer-form-phone.png`, fullPage: true });
  } finally {
    await phone.close();
  }
}, 40_000);

test("editing the layout once seats are sold shows the API's refusal; the details still change", async () => {
  // from the list, the row's edit link leads to the form
  await page.goto(`${organizer.engine.url}/organizer`);
  await organizer.eventRow(eventId).getByRole('link', { name: 'Edit Lantern Festival' }).click();
  await page.waitForURL(`**/organizer/events/${eventId}/edit`);
  await page.getByRole('heading', { name: 'Edit Lantern Festival' }).waitFor();
  const sections = page.getByTestId('section-fields');
  // the form shows the layout the event has: 2 rows of 5, and 30 places
  expect(await sections.nth(0).getByLabel('Rows', { exact: true }).inputValue()).toBe('2');
  expect(await sections.nth(0).getByLabel('Seats per row').inputValue()).toBe('5');
  expect(await sections.nth(1).getByLabel('Capacity').inputValue()).toBe('30');
  expect(await sections.nth(0).getByLabel('Price (€)').inputValue()).toBe('45.50');
  await page.getByLabel('Name', { exact: true }).fill('Lantern Festival Night');
  await sections.nth(0).getByLabel('Rows', { exact: true }).fill('3');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const refusal = page.getByTestId('layout-refusal');
  await refusal.waitFor();
  expect(await refusal.textContent()).toMatch(/The layout cannot change: \d+ seats are held and 2 sold/);
  await page.getByText('The details were saved; the sections were not changed.').waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-form-layout-locked.png`, fullPage: true });
  const [row] = await eventRows('Lantern Festival Night');
  expect(row).toMatchObject({ id: eventId, seats: 40 });
}, 40_000);

test("the event page's figures follow the sale live: a purchase shows without a reload, long before the 30-second refresh", async () => {
  const { engine } = organizer;
  const created = await createOrganizerEvent(engine, organizer.organizer, 'Live Figures Night');
  await page.goto(`${engine.url}/organizer/events/${created.id}`);
  await page.locator('[data-testid="figures-live"][data-status="live"]').waitFor({ timeout: 10_000 });
  await page.locator('[data-testid="tickets-sold"]', { hasText: '0 of 4' }).waitFor();
  const buyer = await engine.register();
  const marker = await page.evaluate(() => { (window as unknown as { marker: number }).marker = Date.now(); return true; });
  expect(marker).toBe(true);
  const started = Date.now();
  await bookSeats(engine, buyer, created.id, [created.seats[0].id, created.seats[1].id]);
  await page.locator('[data-testid="tickets-sold"]', { hasText: '2 of 4' }).waitFor({ timeout: 10_000 });
  // the same document (no reload), and well inside the 30-second timer
  expect(await page.evaluate(() => typeof (window as unknown as { marker?: number }).marker)).toBe('number');
  expect(Date.now() - started).toBeLessThan(25_000);
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-event-live.png`, fullPage: true });
});
