import { reservationWorkflowId } from '../../workflows/messages.ts';

/** Where the Temporal Web UI is (config.temporalUiUrl, absent when unknown) and the namespace the engine uses. */
export interface TemporalUi {
  url?: string;
  namespace: string;
}

/** The namespace's workflow list in the Temporal Web UI, or null when there is no UI to link to. */
export function temporalUiWorkflows(ui: TemporalUi | undefined): string | null {
  return ui?.url ? `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows` : null;
}

/** One workflow in the Temporal Web UI (its latest run), or null without a UI. */
export function temporalUiWorkflow(ui: TemporalUi | undefined, workflowId: string): string | null {
  const workflows = temporalUiWorkflows(ui);
  return workflows && `${workflows}/${encodeURIComponent(workflowId)}`;
}

/** A reservation's workflow in the Temporal Web UI, or null without a UI. */
export const temporalUiReservation = (ui: TemporalUi | undefined, reservationId: string) => temporalUiWorkflow(ui, reservationWorkflowId(reservationId));
