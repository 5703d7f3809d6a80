/**
 * BeginRun: validate the spec, name the run after its slot (or the manual request), claim it in
 * the ledger and tell the workflow whether to go on: a duplicate delivery of a claimed slot stops
 * here; a slot delivered past its starting deadline, or a suspended schedule's, is decided without
 * a task (MISSED, SKIPPED).
 */
import { z } from 'zod';
import { parseInput } from '../../shared/domain/validation';
import {
  guardLeaseSeconds,
  emptyHistory,
  pollSeconds,
  type RunHistory,
} from '../../shared/domain/schedules/retry-policy';
import { runExpiresAt, type RunClaim } from '../../shared/domain/schedules/run-record';
import { manualRunId, parseScheduledTime, slotRunId } from '../../shared/domain/schedules/run-id';
import type { RunInfo } from '../../shared/domain/schedules/run-state';
import { parseScheduleSpec, type ScheduleSpec } from '../../shared/domain/schedules/schedule-spec';
import { lambdaHandler } from '../../shared/lambda';
import type { ScheduleDeps } from './context';

const BeginRunInputSchema = z.object({
  /** The workflow's input: what Scheduler's target (or a manual run) passed. */
  input: z.object({
    spec: z.unknown(),
    trigger: z.enum(['schedule', 'manual']).default('schedule'),
    /** Scheduler's `<aws.scheduler.scheduled-time>` (trigger: schedule). */
    scheduledTime: z.string().optional(),
    /** When the manual run was asked for, and its id's suffix (trigger: manual). */
    requestedAt: z.string().optional(),
    runSuffix: z.string().optional(),
  }),
  /** `$$.Execution.Name`: the execution that owns the run. */
  execution: z.string().min(1),
});

export interface BeginRunOutput {
  spec: ScheduleSpec;
  run: RunInfo;
  history: RunHistory;
}

type Deps = Pick<ScheduleDeps, 'ledger' | 'clock' | 'logger'>;

export async function beginRun(deps: Deps, event: unknown): Promise<BeginRunOutput> {
  const { input, execution } = parseInput(BeginRunInputSchema, event);
  const spec = parseScheduleSpec(input.spec, 'spec');
  const now = deps.clock.now();
  let runId: string;
  let slotAt: number;
  if (input.trigger === 'schedule') {
    slotAt = parseScheduledTime(input.scheduledTime, 'scheduledTime');
    runId = slotRunId(spec.name, slotAt);
  } else {
    slotAt = parseScheduledTime(input.requestedAt, 'requestedAt');
    runId = manualRunId(spec.name, slotAt, input.runSuffix ?? '');
  }
  const claim: RunClaim = {
    schedule: spec.name,
    runId,
    trigger: input.trigger,
    slotAt,
    execution,
    cluster: spec.cluster,
    startedAt: now,
    // A run that never reaches RecordRun still leaves the ledger in time.
    expiresAt: runExpiresAt(now + guardLeaseSeconds(spec) * 1000, spec.historyTtlDays),
  };
  const result = await deps.ledger.claimRun(claim);
  const history = emptyHistory();
  const run: RunInfo = {
    ...claim,
    status: 'new',
    pollSeconds: pollSeconds(spec.timeoutSeconds),
    guardLeaseSeconds: guardLeaseSeconds(spec),
  };
  if (!result.claimed) {
    deps.logger.info('duplicate delivery of a claimed run: nothing started', {
      runId,
      owner: result.existing.execution,
      status: result.existing.status,
    });
    return { spec, run: { ...run, status: 'duplicate' }, history };
  }
  const lateBy = now - slotAt - spec.startingDeadlineSeconds * 1000;
  if (input.trigger === 'schedule' && lateBy > 0) {
    const reason = `delivered ${Math.round((now - slotAt) / 1000)} s after its slot, past the starting deadline of ${spec.startingDeadlineSeconds} s`;
    return {
      spec,
      run: { ...run, status: 'decided' },
      history: { ...history, decision: { again: false, outcome: 'MISSED', reason } },
    };
  }
  if (input.trigger === 'schedule' && !spec.enabled) {
    const reason = 'the schedule is suspended (enabled: false)';
    return {
      spec,
      run: { ...run, status: 'decided' },
      history: { ...history, decision: { again: false, outcome: 'SKIPPED', reason } },
    };
  }
  return { spec, run, history };
}

export const createBeginRunHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => beginRun(deps, event));
