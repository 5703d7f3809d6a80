/**
 * The words of deployment notifications and of the history lines that go with them: the outcome
 * of a deployment (Finish), the repair of one that stopped without finishing, and a listener put
 * back on its live color (reconcile). Messages follow the model of the stopped-task alerts (alerts/message.ts):
 * a short subject, a readable body, flat attributes for SNS filter policies, a structured detail.
 */
import type { NotificationMessage } from './alerts/message';
import type { Color } from './colors';
import type { DeploymentError, Outcome } from './deployment';
import type { DeploymentEnd } from './end-state';

/** `Error: cause`, as a person reads it. */
function errorText(error: DeploymentError): string {
  return `${error.error}: ${error.cause}`;
}

/** The warning kept on a deployment whose old color could not be scaled down. */
export function retireWarning(error: DeploymentError): string {
  return `the old color could not be scaled down (${errorText(error)}); scale it to 0 by hand`;
}

/** The history line of a deployment's outcome. */
export function outcomeEventMessage(end: Pick<DeploymentEnd, 'outcome' | 'error'>): string {
  return end.error ? `${end.outcome}: ${errorText(end.error)}` : end.outcome;
}

/** Where the deployment stood when it left the plan, e.g. `step 2 (25 % on the new color)`. */
function endedIn(lastStep: NonNullable<DeploymentEnd['lastStep']>): string {
  const where = lastStep.phase === 'bake' ? 'the bake' : `step ${lastStep.index + 1}`;
  return `${where} (${lastStep.weight} % on the new color)`;
}

/** `promoted`, `rolled back`, `rejected`, `rollback failed`, `end not observed`. */
function outcomeWords(outcome: Outcome): string {
  return outcome === 'UNOBSERVED' ? 'end not observed' : outcome.replace('_', ' ').toLowerCase();
}

/** The notification of a deployment's outcome, `now` being when it ended. */
export function buildOutcomeMessage(end: DeploymentEnd, now: number): NotificationMessage {
  const { outcome, id, service, cluster, image, error, warning, lastStep } = end;
  const startedAt = end.startedAt ?? now;
  const lines = [
    `Deployment ${id ?? '(no id)'} of ${service ?? 'an unknown service'} on cluster ${cluster ?? 'unknown'}: ${outcome}.`,
    `Image: ${image}`,
    ...(end.colors ? [`Live color before: ${end.colors.live}; new color: ${end.colors.new}`] : []),
    ...(end.external
      ? [`Shifted by: ${end.external.controller} deployment ${end.external.deploymentId}`]
      : []),
    `Duration: ${Math.round((now - startedAt) / 1000)} s`,
    ...(error ? [`Cause: ${errorText(error)}`] : []),
    ...(lastStep && outcome !== 'PROMOTED' ? [`Ended in: ${endedIn(lastStep)}`] : []),
    ...(warning ? [`WARNING: ${warning}`] : []),
    ...(outcome === 'ROLLBACK_FAILED'
      ? [
          end.external
            ? `ACTION NEEDED: ${end.external.controller} reported no finished rollback of ${end.external.deploymentId}: check it there; the service stays locked.`
            : end.trafficRestored
              ? `ACTION NEEDED: traffic is back on ${end.colors?.live ?? 'the live color'}, but the new color may still run; the service stays locked.`
              : 'ACTION NEEDED: traffic may not be on a healthy color; the service stays locked.',
          ...(end.scalingNote ? [`Auto Scaling: ${end.scalingNote}`] : []),
        ]
      : []),
  ];
  return {
    // A retried Finish re-sends the same id, so the notification is delivered once where possible.
    id: `${id ?? 'unknown'}/${outcome}`,
    subject: `greenlight: ${service ?? 'unknown service'} ${outcomeWords(outcome)} (${image})`,
    message: lines.join('\n'),
    attributes: {
      event: 'deployment',
      outcome,
      service: service ?? 'unknown',
      cluster: cluster ?? 'unknown',
    },
    detail: {
      deploymentId: id ?? null,
      outcome,
      service,
      cluster,
      image,
      error: error ?? null,
      warning: warning ?? null,
      lastStep: lastStep ?? null,
      durationMs: now - startedAt,
    },
  };
}

/** What a repair of an abandoned deployment did. */
export interface Repair {
  deploymentId: string;
  service: string;
  cluster: string;
  /** Who repaired: the deployment that found it abandoned, or `reconcile`. */
  repairedBy: string;
  live: Color;
  idle: Color;
  /** The test listener(s) were restored too. */
  testListeners: boolean;
  /** Seconds waited for the load balancer to apply the weights before scaling `idle` down (0: it had no traffic). */
  settledSeconds?: number;
}

function listenersRestored(repair: Repair): string {
  return repair.testListeners ? ' (production and test listeners)' : '';
}

function repairSummary(repair: Repair): string {
  const where = listenersRestored(repair);
  const settled = repair.settledSeconds ? ` ${repair.settledSeconds} s later (traffic settle)` : '';
  return `${repair.repairedBy} restored 100 % on ${repair.live}${where} and scaled ${repair.idle} to 0${settled}`;
}

/** The error an abandoned deployment's record is closed with. */
export function abandonedError(repair: Repair): DeploymentError {
  return {
    error: 'Abandoned',
    cause: `the deployment stopped without finishing (lock lease expired); ${repairSummary(repair)}`,
  };
}

/** The history line of a repair. */
export function repairEventMessage(repair: Repair): string {
  return `stopped without finishing; ${repairSummary(repair)}`;
}

/** The notification of a repair. */
export function buildRepairMessage(repair: Repair): NotificationMessage {
  const { deploymentId, service, cluster, repairedBy, live, idle } = repair;
  const where = listenersRestored(repair);
  return {
    id: `${deploymentId}/REPAIRED`,
    subject: `greenlight: ${service} repaired after an unfinished deployment`,
    message: `Deployment ${deploymentId} of ${service} on ${cluster} stopped without finishing. Before starting ${repairedBy}, Greenlight restored 100 % of traffic on ${live}${where} and scaled ${idle} to 0.`,
    attributes: { event: 'repair', outcome: 'REPAIRED', service, cluster },
    detail: { deploymentId, repairedBy, live, idle },
  };
}

/** A listener found split with no deployment running, put back on the color a finished deployment left live. */
export interface ListenerRestore {
  service: string;
  cluster: string;
  /** The finished deployment whose live color was restored. */
  deploymentId: string;
  live: Color;
  found: Record<Color, number>;
}

/** The history line of a listener restored by reconcile. */
export function listenerRestoredEventMessage(restore: ListenerRestore): string {
  const { service, found, live } = restore;
  return `reconcile found ${service}'s listener at ${found.blue}/${found.green} (blue/green) with no deployment running and restored 100 % on ${live}`;
}

/** The notification of a listener restored by reconcile. */
export function buildListenerRestoredMessage(restore: ListenerRestore): NotificationMessage {
  const { service, cluster, deploymentId, live, found } = restore;
  return {
    id: `${deploymentId}/LISTENER_RESTORED/${found.blue}-${found.green}`,
    subject: `greenlight: ${service} listener restored to ${live}`,
    message: `${listenerRestoredEventMessage(restore)}, the color deployment ${deploymentId} left live.`,
    attributes: { event: 'repair', outcome: 'LISTENER_RESTORED', service, cluster },
    detail: { deploymentId, found, live },
  };
}
