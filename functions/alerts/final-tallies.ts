/**
 * The final-tally sweeper (scheduled): a crash-loop window's final tally normally goes out with
 * the service's next stop; for a service that stopped for good there is none. The alerts handler
 * files an entry due at the end of each window that has unreported stops; this sweeper sends the
 * tallies still unsent once their window has ended, and drops the entries whose window a later
 * stop replaced (that stop sent the tally).
 *
 * Races with a late stop of the same service: the sweeper marks the window's tally "sending"
 * before publishing and "sent" after; a stop replacing a window marked sent does not send its
 * tally again, one replacing a window still marked sending does (a crash of the sweeper must not
 * lose it), so a tally is delivered at most twice and never lost while its entry lives.
 */
import { buildDigest } from '../../shared/domain/alerts/message';
import type { AlertPolicy } from '../../shared/domain/alerts/policy';
import { scopeStop } from '../../shared/domain/alerts/tally';
import { hasUnreportedStops } from '../../shared/domain/alerts/window';
import { GreenlightError } from '../../shared/domain/errors';
import { lambdaHandler, type Logger } from '../../shared/lambda';
import type { AlertStore, DueTally } from '../../shared/ports/alert-store';
import type { Clock } from '../../shared/ports/clock';
import type { Notifier } from '../../shared/ports/notifier';

export interface FinalTalliesDeps {
  alerts: AlertStore;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  policy: Pick<AlertPolicy, 'envAllowList' | 'digestThreshold' | 'windowMs' | 'claimLeaseMs'>;
}

export interface FinalTalliesResult {
  /** Due entries looked at. */
  due: number;
  /** Tallies published. */
  sent: number;
  /** Entries dropped with nothing to send (window replaced or fully reported). */
  dropped: number;
  /** Entries left for the next sweep: another sweep is sending them. */
  busy: number;
  failed: number;
}

/** Entries read per Query, and Queries per sweep: a sweep stays well inside the function's timeout. */
export const SWEEP_PAGE_SIZE = 50;
export const SWEEP_MAX_PAGES = 10;

/** Some tallies could not be sent; their entries stay for the next sweep. */
export class FinalTallyError extends GreenlightError {}

/** Sends every due final tally; throws after the sweep if any failed (they are retried next time). */
export async function sendFinalTallies(deps: FinalTalliesDeps): Promise<FinalTalliesResult> {
  const now = deps.clock.now();
  const result: FinalTalliesResult = { due: 0, sent: 0, dropped: 0, busy: 0, failed: 0 };
  const seen = new Set<string>();
  for (let page = 0; page < SWEEP_MAX_PAGES; page++) {
    const entries = (await deps.alerts.dueTallies({ now, limit: SWEEP_PAGE_SIZE })).filter(
      (d) => !seen.has(entryId(d)),
    );
    for (const due of entries) {
      seen.add(entryId(due));
      result.due++;
      try {
        result[await sweepOne(deps, due, now)]++;
      } catch (error) {
        result.failed++;
        deps.logger.error('final tally not sent; retried by the next sweep', {
          windowStartedAt: due.startedAt,
          cluster: due.scope.cluster,
          group: due.scope.group,
          error: error as Error,
        });
      }
    }
    // Busy and failed entries stay: a full page of them would be read again, hence `seen`.
    if (entries.length < SWEEP_PAGE_SIZE) break;
  }
  deps.logger.info('final tallies swept', { ...result });
  if (result.failed > 0) {
    throw new FinalTallyError(`${result.failed} of ${result.due} final tallies not sent; see the log`);
  }
  return result;
}

async function sweepOne(
  deps: FinalTalliesDeps,
  due: DueTally,
  now: number,
): Promise<'sent' | 'dropped' | 'busy'> {
  const claim = await deps.alerts.claimTally(due, { now, leaseMs: deps.policy.claimLeaseMs });
  if (claim.status === 'busy') return 'busy';
  if (claim.status === 'done') {
    await deps.alerts.dropTally(due);
    return 'dropped';
  }
  const { window } = claim;
  if (!hasUnreportedStops(window.count, deps.policy.digestThreshold)) {
    // Its last stop sent a digest after the entry was filed: everything is reported.
    await deps.alerts.completeTally(due);
    return 'dropped';
  }
  const stop = scopeStop(due.scope);
  // Same id as the digest the next stop would send for this window: a FIFO topic keeps one.
  await deps.notifier.notify(
    buildDigest({ stop, window, final: true, closedBy: 'window-end', policy: deps.policy }),
  );
  await deps.alerts.completeTally(due);
  return 'sent';
}

const entryId = (due: DueTally) => `${due.dueAt}|${due.key}|${due.startedAt}`;

/** The Lambda handler (EventBridge schedule) for one set of dependencies. */
export const createFinalTalliesHandler = (deps: FinalTalliesDeps) =>
  lambdaHandler(deps.logger, () => sendFinalTallies(deps));
