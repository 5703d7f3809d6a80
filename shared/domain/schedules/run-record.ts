/**
 * The run ledger's record of one run: what a person asks after the fact ("did last night's job
 * run, how long, which exit code, where are its logs?"), kept long after ECS forgets the task
 * (about an hour after it stops).
 */
import { cloudWatchLogsUrl, type TaskDefinitionSummary } from '../alerts/enrichment';
import type { AttemptRecord, RunOutcome, RunTaskFailure } from './attempt';
import type { RunHistory } from './retry-policy';
import type { Delivery } from '../delivery';

export type RunTrigger = 'schedule' | 'manual';

/** What the run's first step knows: written as the slot's claim, status RUNNING. */
export interface RunClaim {
  schedule: string;
  runId: string;
  trigger: RunTrigger;
  /** The slot (Scheduler's scheduled time), or when a manual run was asked for (epoch ms). */
  slotAt: number;
  /** The Step Functions execution that owns the run: only it may write the run's end. */
  execution: string;
  cluster: string;
  /** When the run began (the claim). */
  startedAt: number;
  /** Epoch ms after which the record may go (AWS deletes it by TTL; dynalite has none, reads compare). */
  expiresAt: number;
}

export interface RunRecord extends RunClaim {
  status: 'RUNNING' | RunOutcome;
  outcome?: RunOutcome;
  reason?: string;
  endedAt?: number;
  durationMs?: number;
  attempts: AttemptRecord[];
  taskArns: string[];
  /** Exit code per container of the last task that ran (null: none reported). */
  exitCodes: Record<string, number | null>;
  stopCode?: string;
  stoppedReason?: string;
  /** Every RunTask failure of every attempt. */
  failures: RunTaskFailure[];
  /** CloudWatch Logs console link per container of the last task (awslogs only). */
  logLinks: Record<string, string>;
  /** Task definition revision the last attempt ran. */
  taskDefinition?: string;
  /** The missed-run reconcile's alert of this record, when its policy asks for one. */
  alertDelivery?: AlertDelivery;
}

/**
 * Where the alert of a MISSED record stands: PENDING from the record's write until a send
 * succeeds (SENT), or until the reconcile gives up after its bounded attempts (GAVE_UP).
 */
export type AlertDelivery = Delivery;

const DAY_MS = 86_400_000;

/** When a run that ended at `endedAt` leaves the ledger. */
export const runExpiresAt = (endedAt: number, historyTtlDays: number) => endedAt + historyTtlDays * DAY_MS;

/** The claim record: the run has begun and nothing else is known. */
export function claimRecord(claim: RunClaim): RunRecord {
  return {
    ...claim,
    status: 'RUNNING',
    attempts: [],
    taskArns: [],
    exitCodes: {},
    failures: [],
    logLinks: {},
  };
}

/** The region and task id of a task ARN (`arn:aws:ecs:eu-west-1:123:task/cluster/ID`). */
export function parseTaskArn(taskArn: string): { region: string; taskId: string } | null {
  const match = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):\d{12}:task\/(?:[^/]+\/)?([^/]+)$/.exec(taskArn);
  return match ? { region: match[1]!, taskId: match[2]! } : null;
}

/** CloudWatch Logs links per container of a task, from its task definition's awslogs settings. */
export function taskLogLinks(taskArn: string, definition: TaskDefinitionSummary): Record<string, string> {
  const task = parseTaskArn(taskArn);
  const links: Record<string, string> = {};
  for (const container of definition.containers) {
    const logs = container.logs;
    if (!logs || logs.driver !== 'awslogs' || !logs.group) continue;
    const region = logs.region ?? task?.region;
    if (!region) continue;
    // awslogs names the stream prefix/container/task-id only when a prefix is set.
    const stream =
      logs.streamPrefix && task ? `${logs.streamPrefix}/${container.name}/${task.taskId}` : undefined;
    links[container.name] = cloudWatchLogsUrl(region, logs.group, stream);
  }
  return links;
}

/** The run's final record. */
export function finalRecord(input: {
  claim: RunClaim;
  history: RunHistory;
  outcome: RunOutcome;
  reason: string;
  endedAt: number;
  historyTtlDays: number;
}): RunRecord {
  const { claim, history, outcome, reason, endedAt } = input;
  const attempts = history.attempts;
  const ran = [...attempts].reverse().find((a) => a.taskArn !== undefined);
  return {
    ...claim,
    status: outcome,
    outcome,
    reason,
    endedAt,
    durationMs: Math.max(0, endedAt - claim.startedAt),
    attempts,
    taskArns: attempts.flatMap((a) => (a.taskArn ? [a.taskArn] : [])),
    exitCodes: Object.fromEntries((ran?.containers ?? []).map((c) => [c.name, c.exitCode ?? null])),
    ...(ran?.stopCode ? { stopCode: ran.stopCode } : {}),
    ...(ran?.stoppedReason ? { stoppedReason: ran.stoppedReason } : {}),
    failures: attempts.flatMap((a) => a.failures),
    logLinks: ran?.logLinks ?? {},
    ...(ran?.taskDefinitionArn ? { taskDefinition: ran.taskDefinitionArn } : {}),
    expiresAt: runExpiresAt(endedAt, input.historyTtlDays),
  };
}
