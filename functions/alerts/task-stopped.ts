/**
 * ECS Task State Change (EventBridge) → classified, deduplicated, enriched, redacted alert on SNS.
 * A malformed or uninteresting event is logged and skipped, never thrown: a throw makes Lambda
 * retry the event. Only a failure to record or publish throws, after handing the claim back, so the
 * retry resumes where this attempt stopped instead of being taken for a duplicate.
 *
 * Before each publish the claim records which message is going out (and renews its lease): if the
 * function dies before the outcome is recorded, the invocation that takes the claim over after the
 * lease knows the message may have gone, publishes it once more at most (tally.ts
 * MAX_UNCONFIRMED_PUBLISHES; a FIFO topic drops that copy by its deduplication id), and never counts
 * the stop twice. An invocation that finds its claim taken over stops publishing.
 */
import { assessTaskEvent } from '../../shared/domain/alerts/assess';
import type { AlertCategory, Classification } from '../../shared/domain/alerts/classify';
import { buildDigest, buildStopAlert, type AlertMessage } from '../../shared/domain/alerts/message';
import { windowKey, type AlertPolicy } from '../../shared/domain/alerts/policy';
import { scrubCredentials } from '../../shared/domain/alerts/redact';
import { republishUnconfirmed, startsUnreportedRun, tallyScope } from '../../shared/domain/alerts/tally';
import type { TaskStop } from '../../shared/domain/alerts/task-event';
import {
  planNotifications,
  type NotificationPlan,
  type WindowCount,
} from '../../shared/domain/alerts/window';
import { lambdaHandler, type Logger } from '../../shared/lambda';
import type { AlertStore, StopRef } from '../../shared/ports/alert-store';
import type { Clock } from '../../shared/ports/clock';
import type { DeploymentLookup } from '../../shared/ports/deployment-lookup';
import type { Notifier } from '../../shared/ports/notifier';
import type { TaskDefinitions } from '../../shared/ports/task-definitions';
import { enrichStop } from './enrich';

export interface TaskStoppedDeps {
  alerts: AlertStore;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  policy: AlertPolicy;
  /** Optional enrichment sources: without them the alert says "not enriched". */
  taskDefinitions?: TaskDefinitions;
  deployments?: DeploymentLookup;
}

export type TaskStoppedOutcome =
  | 'malformed'
  | 'not-stopped'
  | 'cluster-not-selected'
  | 'scheduled-run'
  | 'not-alerted'
  | 'duplicate'
  /** Counted in a crash-loop window without a message of its own. */
  | 'counted'
  | 'published';

export interface TaskStoppedResult {
  outcome: TaskStoppedOutcome;
  taskArn?: string;
  category?: AlertCategory;
  /** Alertable stops of the service in the current window, this one included. */
  windowCount?: number;
  /** Subjects of the messages published by this invocation. */
  published: string[];
}

/**
 * A task ARN as it may be logged and returned: an event's ARN is whatever the event says, so
 * credential shapes in it are scrubbed like in a published message.
 */
const logged = <T extends string | undefined>(taskArn: T): T =>
  (taskArn === undefined ? taskArn : scrubCredentials(taskArn)) as T;

/** Handles one EventBridge event. */
export async function handleTaskStopped(deps: TaskStoppedDeps, event: unknown): Promise<TaskStoppedResult> {
  const assessment = assessTaskEvent(event, deps.policy);
  switch (assessment.status) {
    case 'malformed':
      // The issues name fields and expectations, never values: the event may carry secrets.
      deps.logger.warn('malformed ECS task state change event skipped', {
        taskArn: logged(assessment.taskArn),
        issues: assessment.issues,
      });
      return {
        outcome: 'malformed',
        ...(assessment.taskArn ? { taskArn: logged(assessment.taskArn) } : {}),
        published: [],
      };
    case 'not-stopped':
    case 'cluster-not-selected':
    case 'scheduled-run':
      deps.logger.debug('task state change skipped', {
        taskArn: logged(assessment.stop.taskArn),
        reason: assessment.status,
      });
      return { outcome: assessment.status, taskArn: logged(assessment.stop.taskArn), published: [] };
    case 'not-alerted':
      deps.logger.info('expected task stop not alerted', {
        taskArn: logged(assessment.stop.taskArn),
        category: assessment.classification.category,
      });
      return {
        outcome: 'not-alerted',
        taskArn: logged(assessment.stop.taskArn),
        category: assessment.classification.category,
        published: [],
      };
    case 'alert':
      return alert(deps, assessment.stop, assessment.classification);
  }
}

async function alert(
  deps: TaskStoppedDeps,
  stop: TaskStop,
  classification: Classification,
): Promise<TaskStoppedResult> {
  const { policy } = deps;
  const now = deps.clock.now();
  const ref: StopRef = { taskArn: stop.taskArn, version: stop.version ?? 'none' };
  const base = { taskArn: logged(stop.taskArn), category: classification.category };
  const claim = await deps.alerts.claimStop(ref, {
    now,
    leaseMs: policy.claimLeaseMs,
    retainMs: policy.dedupeRetainMs,
  });
  if (claim.status === 'duplicate') {
    deps.logger.info('duplicate task stop suppressed', { ...base, version: ref.version });
    return { outcome: 'duplicate', ...base, published: [] };
  }

  let counted: WindowCount | null = claim.saved?.counted ?? null;
  let published = claim.saved?.published ?? 0;
  let publishing = claim.saved?.publishing;
  let takenOver = false;
  const subjects: string[] = [];
  const key = windowKey(stop);
  try {
    if (!counted) {
      counted = await deps.alerts.countStop(
        key,
        {
          category: classification.category,
          exitCode: classification.exitCode ?? null,
          container: classification.container ?? null,
        },
        { now, windowMs: policy.windowMs, retainMs: policy.dedupeRetainMs },
      );
      // Recorded at once: an invocation taking the claim over (this one stalled past its lease in
      // enrichment, say) resumes from this count instead of counting the stop again.
      takenOver = !(await deps.alerts.saveProgress(
        ref,
        claim.token,
        { counted, published },
        { now: deps.clock.now(), leaseMs: policy.claimLeaseMs },
      ));
    }
    const { window } = counted;
    if (startsUnreportedRun(window.count, policy.digestThreshold)) {
      // Nothing reports this stop yet: if no later stop closes the window, the sweeper will.
      await deps.alerts.scheduleTally(
        {
          key,
          startedAt: window.startedAt,
          dueAt: window.startedAt + policy.windowMs,
          scope: tallyScope(stop),
        },
        { retainMs: policy.dedupeRetainMs },
      );
    }
    const messages = takenOver
      ? []
      : await compose(deps, stop, classification, planNotifications(counted, policy.digestThreshold));
    for (let i = published; i < messages.length; i++) {
      const message = messages[i]!;
      const attempts = publishing?.index === i ? publishing.attempts : 0;
      if (!republishUnconfirmed(attempts)) {
        deps.logger.warn('message taken as sent: earlier attempts died while publishing it', {
          ...base,
          index: i,
          attempts,
        });
        published = i + 1;
        continue;
      }
      publishing = { index: i, attempts: attempts + 1 };
      const held = await deps.alerts.saveProgress(
        ref,
        claim.token,
        { counted, published, publishing },
        { now: deps.clock.now(), leaseMs: policy.claimLeaseMs },
      );
      if (!held) {
        takenOver = true;
        break;
      }
      await deps.notifier.notify(message);
      published = i + 1;
      publishing = undefined;
      subjects.push(message.subject);
    }
  } catch (error) {
    // A publish that failed is known not sent: the retry publishes it again, without counting it
    // as unconfirmed.
    const progress = counted ? { counted, published } : null;
    await deps.alerts.releaseStop(ref, claim.token, progress).catch((releaseError: unknown) => {
      // The claim's lease runs out instead, and a retry after it resumes (counting again at worst).
      deps.logger.error('could not release the claim of a failed task stop', {
        ...base,
        error: releaseError as Error,
      });
    });
    throw error;
  }

  if (takenOver) {
    deps.logger.warn('claim taken over while publishing: the new owner finishes', { ...base, published });
    return { outcome: 'duplicate', ...base, windowCount: counted.window.count, published: subjects };
  }

  const completed = await deps.alerts.completeStop(ref, claim.token).catch((error: unknown) => {
    // Everything is sent: a duplicate arriving after the lease republishes the last message once
    // at most (a FIFO topic drops it), nothing is lost.
    deps.logger.warn('could not mark a task stop as sent', { ...base, error: error as Error });
    return false;
  });
  const result: TaskStoppedResult = {
    outcome: subjects.length > 0 ? 'published' : 'counted',
    ...base,
    windowCount: counted.window.count,
    published: subjects,
  };
  deps.logger.info('task stop handled', { ...base, ...result, resumed: claim.resumed, completed });
  return result;
}

/** The plan's messages, in a fixed order (a retry skips the ones already published): final tally, alert, digest. */
async function compose(
  deps: TaskStoppedDeps,
  stop: TaskStop,
  classification: Classification,
  plan: NotificationPlan,
): Promise<AlertMessage[]> {
  const { policy } = deps;
  const messages: AlertMessage[] = [];
  if (plan.finalDigest) messages.push(buildDigest({ stop, window: plan.finalDigest, final: true, policy }));
  if (!plan.alert && !plan.digest) return messages;
  const enrichment = await enrichStop(deps, stop);
  if (plan.alert) messages.push(buildStopAlert({ stop, classification, enrichment, policy }));
  if (plan.digest) {
    messages.push(
      buildDigest({
        stop,
        window: plan.digest,
        final: false,
        policy,
        latest: { stop, classification, enrichment },
      }),
    );
  }
  return messages;
}

/** The Lambda handler for one set of dependencies. */
export const createTaskStoppedHandler = (deps: TaskStoppedDeps) =>
  lambdaHandler(deps.logger, (event: unknown) => handleTaskStopped(deps, event));
