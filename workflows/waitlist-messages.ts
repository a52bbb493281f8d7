import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * The waitlist workflow's messages and id, shared by the workflow (waitlist.ts) and the waker
 * (src/waitlist/waker.ts). One workflow per section's line, so operators find it from the event
 * and section: `temporal workflow describe --workflow-id waitlist-<event id>-<section id>`.
 */
export const waitlistWorkflowId = (eventId: string, sectionId: string) => `waitlist-${eventId}-${sectionId}`;

/** Look at the line again: seats of the section came back, or someone joined or left. Carries nothing (whatever is sent is ignored). */
export const wakeSignal = defineSignal<[]>('wake');

/** What the workflow has done in this run, and what it waits for. */
export interface WaitlistSnapshot {
  rounds: number;
  offersMade: number;
  openOffers: number;
  waiting: number;
  /** When it looks again by itself (an open offer's deadline); null when it waits for nothing. */
  nextCheckAt: string | null;
}
export const waitlistStateQuery = defineQuery<WaitlistSnapshot>('waitlistState');

export const WaitlistFailures = {
  /** The input is not a section's line (e.g. started by hand from the CLI). */
  InvalidRequest: 'InvalidRequest',
} as const;
