/**
 * Writes a hook's verdicts and bounded readings into Greenlight's history, and notifies the outcome
 * of a hook-only deployment (reconcile sends it again if that fails). Never throws and never changes the hook's answer: a store or notifier
 * failure is logged and the gate's verdict stands. No lock is taken: ECS or CodeDeploy runs the
 * deployment, and nothing may keep a hook from answering.
 */
import type { DeploymentRecord } from '../../shared/domain/deployment';
import {
  hookEvent,
  hookOnlyEnd,
  hookOnlyOutcome,
  hookOnlyRecord,
  type HookController,
  type HookRecordRef,
  type HookVerdict,
} from '../../shared/domain/hooks/hook-history';
import type { Logger } from '../../shared/lambda';
import type { Clock } from '../../shared/ports/clock';
import type { Notifier } from '../../shared/ports/notifier';
import type { Store } from '../../shared/ports/store';
import { sendEndNotice } from './end-notice';

export interface HookHistoryDeps {
  store: Pick<Store, 'createDeployment' | 'getDeployment' | 'updateDeployment' | 'appendEventOnce'>;
  notifier: Notifier;
}

/** The deployment a hook invocation belongs to, as its record needs it. */
export interface HookSubject {
  controller: HookController;
  /** ECS service deployment ARN, or CodeDeploy deployment id. */
  externalId: string;
  record: HookRecordRef;
  service: string;
  cluster: string;
  image: string;
}

type Deps = { history: HookHistoryDeps | null; clock: Clock; logger: Logger };

/** Longest a history write may hold the hook's answer back; past it the answer goes (the write may still land). */
export const HISTORY_TIMEOUT_MS = 5_000;

/** Records `verdict` of `subject` within HISTORY_TIMEOUT_MS; logs and returns on any failure. */
export async function recordHookVerdict(
  deps: Deps,
  subject: HookSubject,
  verdict: HookVerdict,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), HISTORY_TIMEOUT_MS);
    timer.unref();
  });
  const result = await Promise.race([write(deps, subject, verdict), timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    deps.logger.error('hook history: write timed out (the answer stands)', {
      deployment: subject.record.id,
      stage: verdict.stage,
    });
  }
}

async function write(deps: Deps, subject: HookSubject, verdict: HookVerdict): Promise<void> {
  const history = deps.history;
  if (!history) return;
  const now = deps.clock.now();
  const event = hookEvent(verdict, now);
  const outcome = subject.record.greenlight ? null : hookOnlyOutcome(verdict);
  if (!event && !outcome) return;
  try {
    if (!subject.record.greenlight) {
      // Idempotent: the first invocation creates it, every later one leaves it as it is.
      await history.store.createDeployment(
        hookOnlyRecord({
          controller: subject.controller,
          externalId: subject.externalId,
          service: subject.service,
          cluster: subject.cluster,
          image: subject.image,
          now,
        }),
      );
    }
    if (event) {
      const { key, ...entry } = event;
      await history.store.appendEventOnce(subject.record.id, key, entry);
    }
    if (outcome) await endHookOnly(deps, history, subject, verdict, now);
  } catch (error) {
    deps.logger.error('hook history: not written (the answer stands)', {
      deployment: subject.record.id,
      stage: verdict.stage,
      answer: verdict.answer,
      error: error instanceof Error ? { name: error.name, message: error.message.slice(0, 300) } : 'unknown',
    });
  }
}

/**
 * Ends a hook-only record once, and sends its notification when this invocation ended it. The
 * end is written with its notification PENDING first: a send that fails here (or never happens,
 * past HISTORY_TIMEOUT_MS) is sent again by reconcile (end-notice.ts).
 */
async function endHookOnly(
  deps: Deps,
  history: HookHistoryDeps,
  subject: HookSubject,
  verdict: HookVerdict,
  now: number,
): Promise<void> {
  const outcome = hookOnlyOutcome(verdict)!;
  const record: DeploymentRecord | null = await history.store.getDeployment(subject.record.id);
  // Ended already (a retry, or ECS's rollback re-invocations after our FAILED): the first end stands.
  if (!record || record.status !== 'IN_PROGRESS') return;
  const end = hookOnlyEnd(verdict, outcome, now);
  await history.store.updateDeployment(record.id, end);
  await sendEndNotice({ ...history, logger: deps.logger }, { ...record, ...end });
}
