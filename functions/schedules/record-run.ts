/**
 * RecordRun: the run's final record in the ledger, on every path that claimed a slot (errors
 * included), with the outcome of the run before it so Notify can tell a recovery.
 */
import { z } from 'zod';
import type { RunOutcome } from '../../shared/domain/schedules/attempt';
import type { RunRecord } from '../../shared/domain/schedules/run-record';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { ScheduleDeps } from './context';
import { runEnd } from './run-end';

const RecordRunInputSchema = z.object({ state: z.unknown(), execution: z.string().min(1) });

export interface RecordRunOutput {
  /** False when another execution owns the run (its record is left alone) or nothing could be told. */
  written: boolean;
  outcome: RunOutcome | null;
  previousOutcome: RunOutcome | null;
  record: RunRecord | null;
}

type Deps = Pick<ScheduleDeps, 'ledger' | 'clock' | 'logger'>;

export async function recordRun(deps: Deps, event: unknown): Promise<RecordRunOutput> {
  const { state, execution } = parseInput(RecordRunInputSchema, event);
  const now = deps.clock.now();
  const end = runEnd(state, execution, now);
  if (!end) {
    deps.logger.error('run not recorded: the input names no valid schedule and slot', { execution });
    return { written: false, outcome: null, previousOutcome: null, record: null };
  }
  const { record } = end;
  const written = await deps.ledger.recordRun(record);
  if (!written)
    deps.logger.warn('run owned by another execution: its record is left alone', { runId: record.runId });
  const previousOutcome = await deps.ledger.previousOutcome(record.schedule, record.slotAt, now);
  return { written, outcome: record.outcome ?? null, previousOutcome, record };
}

export const createRecordRunHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => recordRun(deps, event));
