import { type FormEvent, useState } from 'react';
import { api, errorMessage } from '../api';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { formatDateTime } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { WebhookDelivery, WebhookEndpoint, WebhookEventType } from '../../../src/contract/webhooks';
import { ACTIONS_COLUMN, Table } from '../components/Table';

const EVENT_LABELS: Record<WebhookEventType, string> = {
  'booking.confirmed': 'Booking confirmed',
  'booking.refunded': 'Booking refunded',
  'ticket.transferred': 'Ticket transferred',
};
/** Every event type (WEBHOOK_EVENT_TYPES of the contract; read from the labels, which the type makes complete, so zod stays out of the bundle). */
const WEBHOOK_EVENT_TYPES = Object.keys(EVENT_LABELS) as WebhookEventType[];

/**
 * The organizer's webhooks: register an endpoint (its signing secret is shown once, here), list the
 * tenant's endpoints, disable, enable or delete one, and read an endpoint's delivery log: every
 * attempt with its time, duration, HTTP status and error.
 */
export function WebhooksPage() {
  useDocumentTitle('Webhooks');
  const endpoints = useResource((signal) => api.organizerListWebhooks(signal), []);
  const [selected, setSelected] = useState<string | null>(null);
  const [created, setCreated] = useState<{ endpoint: WebhookEndpoint; secret: string } | null>(null);
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);

  const act = async (endpoint: WebhookEndpoint, action: 'enable' | 'disable' | 'delete') => {
    if (action === 'delete' && !window.confirm(`Delete the endpoint ${endpoint.url}? Its delivery log goes with it.`)) return;
    setMessage(null);
    try {
      if (action === 'delete') {
        await api.organizerDeleteWebhook(endpoint.id);
        if (selected === endpoint.id) setSelected(null);
      } else {
        await api.organizerSetWebhookEnabled(endpoint.id, action === 'enable');
      }
      setMessage({ tone: 'success', text: `${endpoint.url} is ${{ enable: 'enabled', disable: 'disabled', delete: 'deleted' }[action]}.` });
      endpoints.reload();
    } catch (error) {
      setMessage({ tone: 'error', text: errorMessage(error) });
    }
  };

  return (
    <>
      <h1 className="page-title">Webhooks</h1>
      <p className="muted">
        Booking events of your organization&apos;s events are sent to these URLs as JSON, signed by the{' '}
        <a href="https://www.standardwebhooks.com" rel="noreferrer" target="_blank">Standard Webhooks</a> scheme
        (<code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>). A delivery that gets no 2xx answer is tried again, waiting longer each time.
      </p>
      <NewEndpointForm onCreated={(result) => { setCreated(result); setMessage(null); endpoints.reload(); }} />
      {created && (
        <div className="card webhook-secret" role="status" data-testid="webhook-secret">
          <strong>Endpoint added. Its signing secret is shown only now: copy it into your receiver.</strong>
          <code className="webhook-secret__value">{created.secret}</code>
          <div className="table__actions">
            <button type="button" className="btn btn--primary btn--sm" onClick={() => void navigator.clipboard?.writeText(created.secret)}>Copy secret</button>
            <button type="button" className="btn btn--ghost btn--sm" onClick={() => setCreated(null)}>I have copied it</button>
          </div>
        </div>
      )}
      {message && (message.tone === 'success' ? <Notice tone="success">{message.text}</Notice> : <ErrorAlert error={new Error(message.text)} />)}
      <ErrorAlert error={endpoints.error} title="Could not load your endpoints." />
      {endpoints.loading && !endpoints.data && <Loading />}
      {endpoints.data && endpoints.data.length === 0 && <EmptyState title="No endpoints yet">Add a URL above to receive booking events.</EmptyState>}
      {endpoints.data && endpoints.data.length > 0 && (
        <Table caption="Webhook endpoints of your organization" columns={['URL', 'Description', 'Events', 'Status', ACTIONS_COLUMN]} aria-busy={endpoints.loading}>
          {endpoints.data.map((endpoint) => (
            <tr key={endpoint.id} data-endpoint-id={endpoint.id} aria-selected={selected === endpoint.id}>
              <td className="webhook-url"><code>{endpoint.url}</code></td>
              <td>{endpoint.description || <span className="muted">—</span>}</td>
              <td>{endpoint.eventTypes.map((t) => EVENT_LABELS[t]).join(', ')}</td>
              <td>
                <span className={`badge badge--${endpoint.enabled ? 'confirmed' : 'expired'}`} data-status={endpoint.enabled ? 'ENABLED' : 'DISABLED'}>
                  {endpoint.enabled ? 'Enabled' : 'Disabled'}
                </span>
              </td>
              <td className="table__actions">
                <button type="button" className="btn btn--sm" aria-pressed={selected === endpoint.id} onClick={() => setSelected(endpoint.id)}>Deliveries</button>
                <button type="button" className="btn btn--ghost btn--sm" onClick={() => void act(endpoint, endpoint.enabled ? 'disable' : 'enable')}>
                  {endpoint.enabled ? 'Disable' : 'Enable'}
                </button>
                <button type="button" className="btn btn--ghost btn--sm" onClick={() => void act(endpoint, 'delete')}>Delete</button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {selected && endpoints.data?.some((e) => e.id === selected) && (
        <DeliveryLog endpoint={endpoints.data.find((e) => e.id === selected)!} />
      )}
    </>
  );
}

function NewEndpointForm({ onCreated }: { onCreated: (result: { endpoint: WebhookEndpoint; secret: string }) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<WebhookEventType[]>([...WEBHOOK_EVENT_TYPES]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      onCreated(await api.organizerCreateWebhook({ url, description, eventTypes: types }));
      setUrl('');
      setDescription('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (type: WebhookEventType, on: boolean) => setTypes((current) => (on ? [...current, type] : current.filter((t) => t !== type)));

  return (
    <form className="card webhook-form" aria-label="Add an endpoint" onSubmit={(e) => void submit(e)}>
      <h2 className="section-title">Add an endpoint</h2>
      <div className="field">
        <label htmlFor="webhook-url" className="field__label">URL</label>
        <input id="webhook-url" className="input" type="url" required placeholder="https://hooks.example.com/booking-events" value={url} onChange={(e) => setUrl(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="webhook-description" className="field__label">Description (optional)</label>
        <input id="webhook-description" className="input" maxLength={200} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <fieldset className="webhook-form__types">
        <legend className="field__label">Events</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} className="checkbox">
            <input type="checkbox" checked={types.includes(type)} onChange={(e) => toggle(type, e.target.checked)} />
            {EVENT_LABELS[type]} <code className="muted small">{type}</code>
          </label>
        ))}
      </fieldset>
      <ErrorAlert error={error} title="The endpoint was not added." />
      <button type="submit" className="btn btn--primary" disabled={busy || types.length === 0}>{busy ? 'Adding…' : 'Add endpoint'}</button>
    </form>
  );
}

function DeliveryLog({ endpoint }: { endpoint: WebhookEndpoint }) {
  const deliveries = useResource((signal) => api.organizerWebhookDeliveries(endpoint.id, signal), [endpoint.id]);
  return (
    <section className="card webhook-log" aria-label={`Deliveries to ${endpoint.url}`}>
      <div className="webhook-log__head">
        <h2 className="section-title">Deliveries to <code>{endpoint.url}</code></h2>
        <button type="button" className="btn btn--ghost btn--sm" onClick={deliveries.reload}>Refresh</button>
      </div>
      <ErrorAlert error={deliveries.error} title="Could not load the deliveries." />
      {deliveries.loading && !deliveries.data && <Loading />}
      {deliveries.data && deliveries.data.length === 0 && <p className="muted">Nothing delivered yet.</p>}
      {deliveries.data && deliveries.data.length > 0 && (
        <Table caption="The latest deliveries, newest first" columns={['Event', 'Created', 'Status', 'Attempts']}>
          {deliveries.data.map((delivery) => <DeliveryRow key={delivery.id} delivery={delivery} />)}
        </Table>
      )}
    </section>
  );
}

/** Attempts are seconds apart: their time to the second. */
const attemptTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

const DELIVERY_BADGE = { PENDING: 'paying', SUCCEEDED: 'confirmed', FAILED: 'failed' } as const;

function DeliveryRow({ delivery }: { delivery: WebhookDelivery }) {
  return (
    <tr data-delivery-id={delivery.id}>
      <td>
        {EVENT_LABELS[delivery.eventType]}
        <div className="muted small"><code>{delivery.eventId}</code></div>
      </td>
      <td>{formatDateTime(delivery.createdAt)}</td>
      <td>
        <span className={`badge badge--${DELIVERY_BADGE[delivery.status]}`} data-status={delivery.status}>{delivery.status.toLowerCase()}</span>
      </td>
      <td>
        <ol className="webhook-attempts">
          {delivery.attempts.map((attempt) => (
            <li key={attempt.attempt} data-attempt={attempt.attempt} data-status-code={attempt.statusCode ?? ''}>
              <strong>#{attempt.attempt}</strong> {attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : 'no answer'}
              <span className="muted small"> · <time dateTime={attempt.attemptedAt}>{attemptTime.format(new Date(attempt.attemptedAt))}</time> · {attempt.durationMs} ms</span>
              {attempt.error && <div className="small webhook-attempts__error">{attempt.error}</div>}
            </li>
          ))}
          {delivery.attempts.length === 0 && <li className="muted">not tried yet</li>}
        </ol>
      </td>
    </tr>
  );
}
