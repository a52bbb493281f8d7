/**
 * The waitlist of one section of an event (reserved seating or general admission), while it has
 * something to do:
 *
 *   wake (seats came back, someone joined or left) ─► round ─► open offers? ─no──► done
 *                     ▲                                          │ yes
 *                     └──── the earliest offer's deadline ◄──────┘ (or the next wake)
 *
 * A round is one activity (`advanceWaitlist`, src/db/waitlist.ts): offers whose hold ended are
 * closed (BOOKED or LAPSED), an offer past its deadline is ended on the spot, and the line is
 * served in join order: the first customer waiting is offered the free seats as an ordinary hold
 * (claim_hold, a reservation with its own workflow), and so on while seats last. So the timer
 * here is what passes an offer on: the moment the earliest offer expires, the workflow wakes,
 * ends it and offers its seats to the next in line.
 *
 * One workflow per section (`waitlist-<event>-<section>`), started and woken by Signal-with-Start
 * from the waker (src/waitlist/waker.ts), which follows the seats the outbox relay published as
 * free. It ends when no offer is open (the next wake starts it again), and continues as new after
 * ROUNDS_PER_RUN rounds, so its history stays short. PostgreSQL holds the line; this workflow
 * keeps nothing that a new run could not read again.
 */
import { ApplicationFailure, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { WaitlistInput } from '../src/contract/waitlist.ts';
import { type WaitlistSnapshot, WaitlistFailures, waitlistStateQuery, wakeSignal } from './waitlist-messages.ts';

// A round is retried (a lost connection, a deadlock with a concurrent hold); a data error is not (activities/errors.ts).
const databaseOptions = { startToCloseTimeout: '30s', retry: { initialInterval: '500ms', maximumInterval: '10s', maximumAttempts: 50 } } as const;
const database = proxyActivities<Activities>(databaseOptions);
const ROUNDS_PER_RUN = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isWaitlistInput(input: WaitlistInput | undefined): input is WaitlistInput {
  return UUID.test(String(input?.eventId)) && UUID.test(String(input?.sectionId))
    && Number.isInteger(input?.offerSeconds) && input!.offerSeconds >= 1 && input!.offerSeconds <= 86_400
    && Number.isInteger(input?.passiveGraceSeconds) && input!.passiveGraceSeconds >= 0 && input!.passiveGraceSeconds <= 3_600;
}

export async function waitlistWorkflow(input: WaitlistInput): Promise<WaitlistSnapshot> {
  // started by hand (CLI, UI) with an input that is not a line: fail at once, visibly
  if (!isWaitlistInput(input)) {
    throw ApplicationFailure.create({
      type: WaitlistFailures.InvalidRequest, nonRetryable: true,
      message: 'the input is not a waitlist: it needs eventId and sectionId (uuids), offerSeconds (1..86400) and passiveGraceSeconds (0..3600)',
    });
  }
  const { eventId, sectionId, offerSeconds, passiveGraceSeconds } = input;
  const snapshot: WaitlistSnapshot = { rounds: 0, offersMade: 0, openOffers: 0, waiting: 0, nextCheckAt: null };
  let woken = false;
  setHandler(wakeSignal, () => {
    woken = true;
  });
  setHandler(waitlistStateQuery, () => ({ ...snapshot }));

  for (;;) {
    woken = false;
    const round = await database.advanceWaitlist({ eventId, sectionId, offerSeconds, passiveGraceSeconds });
    snapshot.rounds++;
    snapshot.offersMade += round.offered.length;
    snapshot.openOffers = round.openOffers;
    snapshot.waiting = round.waiting;
    snapshot.nextCheckAt = round.nextCheckAt;
    if (round.nextCheckAt === null) {
      if (woken) continue; // seats came back while the round ran
      return snapshot; // no offer open: the next seats back (or the next join) start the line again
    }
    if (snapshot.rounds >= ROUNDS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof waitlistWorkflow>(input);
    }
    // until the earliest open offer's deadline, or a wake, whichever comes first
    await condition(() => woken, Math.max(1, Date.parse(round.nextCheckAt) - Date.now()));
  }
}
