/**
 * Notify: one message per run when its alert policy asks for one (failure, missed slot, recovery,
 * skipped, every run). Works from RecordRun's result, or rebuilds the end of the run when
 * recording failed, so a failure is still announced.
 */
import { z } from 'zod';
import { RUN_OUTCOMES, type RunOutcome } from '../../shared/domain/schedules/attempt';
import { buildRunAlert, decideRunAlert, type RunAlertKind } from '../../shared/domain/schedules/run-alert';
import { ScheduleSpecSchema, type ScheduleSpec } from '../../shared/domain/schedules/schedule-spec';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { RunRecord } from '../../shared/domain/schedules/run-record';
import type { Notifier } from '../../shared/ports';
import type { ScheduleDeps } from './context';
import { runEnd } from './run-end';

const NotifyInputSchema = z.object({
  state: z
    .object({
      spec: z.unknown().optional(),
      recorded: z
        .object({
          record: z.custom<RunRecord>((v) => typeof v === 'object' && v !== null).nullable(),
          previousOutcome: z.enum(RUN_OUTCOMES).nullable(),
          written: z.boolean(),
        })
        .optional(),
    })
    .passthrough(),
  execution: z.string().min(1),
});

const DEFAULT_ALERTS = ScheduleSpecSchema.shape.alerts.parse(undefined);

export type NotifyOutput = { sent: true; kind: RunAlertKind } | { sent: false; why: string };

type Deps = Pick<ScheduleDeps, 'notifier' | 'clock' | 'logger'>;

export async function notifyRun(deps: Deps, event: unknown): Promise<NotifyOutput> {
  const { state, execution } = parseInput(NotifyInputSchema, event);
  // A record another execution owns is its to announce.
  if (state.recorded && !state.recorded.written && state.recorded.record) {
    return { sent: false, why: 'the run belongs to another execution' };
  }
  const record = state.recorded?.record ?? runEnd(state, execution, deps.clock.now())?.record;
  if (!record?.outcome) return { sent: false, why: 'nothing is known of the run' };
  const spec = ScheduleSpecSchema.safeParse(state.spec);
  const alerts = spec.success ? spec.data.alerts : DEFAULT_ALERTS;
  return sendRunAlert(
    deps.notifier,
    { ...record, outcome: record.outcome },
    alerts,
    state.recorded?.previousOutcome ?? null,
  );
}

/**
 * The run's alert, if its schedule's policy asks for one: the one place a finished run is
 * announced (this step, and the missed-run reconcile for slots that never ran).
 */
export async function sendRunAlert(
  notifier: Notifier,
  record: RunRecord & { outcome: RunOutcome },
  alerts: ScheduleSpec['alerts'],
  previousOutcome: RunOutcome | null,
): Promise<NotifyOutput> {
  const decision = decideRunAlert(alerts, record.outcome, previousOutcome);
  if (!decision.send) return { sent: false, why: decision.why };
  await notifier.notify(buildRunAlert(record, decision));
  return { sent: true, kind: decision.kind };
}

export const createNotifyRunHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => notifyRun(deps, event));
