/**
 * `greenlight demo schedules` (`npm run demo -- schedules`): watched scheduled tasks in the local
 * rehearsal. A local scheduler fires the scheduled-task state machine (the file AWS runs) at each
 * slot; its steps are the production handlers on the production run ledger (DynamoRunLedger on
 * dynalite); tasks are real local processes (the demo job and a log sidecar) with real exit codes.
 * Eight schedules show: a job that succeeds; one that exits 3 and alerts; one that overruns its
 * limit and is stopped; an overlapping slot skipped under `forbid`; an overlapping slot under
 * `replace` that stops the running task and runs itself; a SIMULATED capacity failure retried and
 * then succeeding; a log sidecar killed (137) while the job exits 0; a slot Scheduler delivers
 * twice (at-least-once) that runs once.
 *
 * Time is compressed: schedule time runs `timeScale` times faster than the wall clock (the spec's
 * least run-time limit is 60 s), and every duration in the specs and the report is schedule time.
 * Writes `<workDir>/schedules-report.json`: `{ runs: [...], passed }`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ScheduleDeps } from '../functions/schedules';
import { DynamoRunLedger } from '../shared/aws/dynamo-run-ledger';
import type { RunOutcome, RunTaskFailure } from '../shared/domain/schedules/attempt';
import type { RunRecord } from '../shared/domain/schedules/run-record';
import type { ScheduleSpecInput } from '../shared/domain/schedules/schedule-spec';
import { scheduledStartedBy } from '../shared/domain/schedules/task-request';
import { createLogger } from '../shared/lambda';
import { startDynalite } from '../shared/local/dynamodb/dynalite';
import { ImageCatalog } from '../shared/local/ecs/image-catalog';
import { LocalTaskDefinitionReader, LocalTaskRunner } from '../shared/local/ecs/local-task-runner';
import { LocalTaskDefinitions } from '../shared/local/ecs/task-definitions';
import { LocalScheduler, type Delivery } from '../shared/local/scheduler/local-scheduler';
import { ScaledClock } from '../shared/local/scheduler/scaled-clock';
import { FileNotifier } from '../shared/local/sns/file-notifier';
import type { EngineEvent } from '../shared/local/sfn/engine';
import { textTable } from './text-table';

export interface SchedulesDemoOptions {
  /** Schedule seconds per wall second (1–60); default 5. */
  timeScale?: number;
  /** Where the report, notifications and task logs go; default `.greenlight`. */
  workDir?: string;
  out?: { write(chunk: string): unknown };
}

/** One run of the demo, as `.greenlight/schedules-report.json` lists it. */
export interface ScheduleRunReport {
  schedule: string;
  case: string;
  /**
   * The ledger's outcome, or NOT_RECORDED when the ledger has no run for the slot. For a second
   * delivery of a slot: DUPLICATE when its execution recognised the claimed slot and no second
   * task started, RAN_TWICE otherwise.
   */
  outcome: RunOutcome | 'NOT_RECORDED' | 'DUPLICATE' | 'RAN_TWICE';
  expected: RunOutcome | 'NONE' | 'DUPLICATE';
  attempts: number;
  /** Exit code per container of the last task (null: none reported). */
  exitCodes: Record<string, number | null>;
  /** The run's duration in schedule time (null when it has none). */
  durationMs: number | null;
}

export interface SchedulesDemoReport {
  runs: ScheduleRunReport[];
  passed: boolean;
}

export const DEFAULT_TIME_SCALE = 5;
const MINUTE = 60_000;

/** The demo's task definitions: a job alone, and a job with a non-essential log sidecar. */
const TASK_DEFINITIONS = [
  {
    family: 'gl-demo-job',
    containerDefinitions: [
      { name: 'job', image: 'greenlight/demo-job:v1', essential: true, command: ['job'] },
    ],
  },
  {
    family: 'gl-demo-job-logs',
    containerDefinitions: [
      { name: 'job', image: 'greenlight/demo-job:v1', essential: true, command: ['job'] },
      {
        name: 'log-router',
        image: 'greenlight/log-router:v1',
        essential: false,
        command: ['log-sidecar'],
        // ECS waits this long after SIGTERM before SIGKILL; the sidecar ignores SIGTERM.
        stopTimeout: 10,
      },
    ],
  },
];

const job = (environment: Record<string, string>) => [{ name: 'job', environment }];

interface DemoSchedule {
  spec: ScheduleSpecInput;
  startDate?: number;
  /** The slots (minutes after 03:00) it should run, with what each shows and the outcome expected. */
  cases: { minute: number; case: string; expected: RunOutcome }[];
  /** SIMULATED RunTask failures, one entry per RunTask call. */
  startFailures?: (string | null)[];
  /** Deliveries of each slot (Scheduler's at-least-once); the extra ones are a case of their own. */
  deliveries?: number;
  duplicateCase?: string;
}

/** What became of the extra deliveries of one slot (read from the executions and the task runner). */
export interface DuplicateDeliveries {
  schedule: string;
  slotAt: number;
  /** Executions of the slot that ended at DuplicateDelivery (claimed already: nothing started). */
  recognised: number;
  deliveries: number;
  /** Tasks the runner started for the schedule. */
  tasksStarted: number;
}

/** The scenario: every schedule's first slot is 03:00:00 (schedule time). */
export function demoSchedules(threeAm: number): DemoSchedule[] {
  const base = { cluster: 'local', timezone: 'UTC', timeoutSeconds: 300 } as const;
  return [
    {
      spec: {
        ...base,
        name: 'nightly-report',
        expression: 'cron(0 3 * * ? *)',
        taskDefinition: 'gl-demo-job',
        overrides: job({ JOB_SECONDS: '20', JOB_LINES: '4', JOB_EXIT_CODE: '0' }),
      },
      cases: [{ minute: 0, case: 'job exits 0', expected: 'SUCCEEDED' }],
    },
    {
      spec: {
        ...base,
        name: 'nightly-export',
        expression: 'cron(0 3 * * ? *)',
        taskDefinition: 'gl-demo-job',
        overrides: job({ JOB_SECONDS: '10', JOB_LINES: '2', JOB_EXIT_CODE: '3' }),
      },
      cases: [{ minute: 0, case: 'job exits 3: alert', expected: 'FAILED' }],
    },
    {
      spec: {
        ...base,
        name: 'nightly-reindex',
        expression: 'cron(0 3 * * ? *)',
        taskDefinition: 'gl-demo-job',
        timeoutSeconds: 60,
        overrides: job({ JOB_SECONDS: '600', JOB_LINES: '60' }),
      },
      cases: [{ minute: 0, case: 'runs 600 s, limit 60 s: stopped', expected: 'TIMED_OUT' }],
    },
    {
      spec: {
        ...base,
        name: 'sync-orders',
        expression: 'rate(1 minute)',
        overlap: 'forbid',
        taskDefinition: 'gl-demo-job',
        overrides: job({ JOB_SECONDS: '100', JOB_LINES: '5' }),
      },
      startDate: threeAm,
      cases: [
        { minute: 0, case: 'runs 100 s, past the next slot', expected: 'SUCCEEDED' },
        { minute: 1, case: 'slot while the previous runs (forbid)', expected: 'SKIPPED' },
      ],
    },
    {
      spec: {
        ...base,
        name: 'sync-inventory',
        expression: 'rate(1 minute)',
        overlap: 'replace',
        taskDefinition: 'gl-demo-job',
        overrides: job({ JOB_SECONDS: '90', JOB_LINES: '5' }),
      },
      startDate: threeAm,
      cases: [
        { minute: 0, case: 'runs 90 s, replaced by the next slot: stopped', expected: 'FAILED' },
        { minute: 1, case: 'slot while the previous runs (replace)', expected: 'SUCCEEDED' },
      ],
    },
    {
      spec: {
        ...base,
        name: 'nightly-digest',
        expression: 'cron(0 3 * * ? *)',
        taskDefinition: 'gl-demo-job',
        overrides: job({ JOB_SECONDS: '10', JOB_LINES: '2' }),
      },
      deliveries: 2,
      cases: [{ minute: 0, case: 'slot delivered twice: runs once', expected: 'SUCCEEDED' }],
      duplicateCase: 'second delivery of the same slot',
    },
    {
      spec: {
        ...base,
        name: 'nightly-billing',
        expression: 'cron(0 3 * * ? *)',
        taskDefinition: 'gl-demo-job',
        retries: { capacity: { attempts: 2, backoffSeconds: 20 } },
        overrides: job({ JOB_SECONDS: '15', JOB_LINES: '3' }),
      },
      startFailures: ['RESOURCE:MEMORY', null],
      cases: [{ minute: 0, case: 'RESOURCE:MEMORY (simulated), retried', expected: 'SUCCEEDED' }],
    },
    {
      spec: {
        ...base,
        name: 'nightly-ingest',
        expression: 'cron(0 3 * * ? *)',
        taskDefinition: 'gl-demo-job-logs',
        // Long enough that the log sidecar is up (its SIGTERM handler installed) when the job ends.
        overrides: job({ JOB_SECONDS: '30', JOB_LINES: '3' }),
      },
      cases: [{ minute: 0, case: 'job 0, log sidecar killed 137', expected: 'SUCCEEDED' }],
    },
  ];
}

const hhmmss = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const codes = (exitCodes: Record<string, number | null>) =>
  Object.entries(exitCodes)
    .map(([name, code]) => `${name}=${code ?? '-'}`)
    .join(' ') || '-';

/** The next 03:00 UTC at least a minute away: "tonight", in schedule time. */
function tonightAtThree(now: number): number {
  const d = new Date(now);
  let slot = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 3, 0, 0);
  if (slot - MINUTE < now) slot += 24 * 60 * MINUTE;
  return slot;
}

/** The report's rows: one per expected case (from the ledger), plus any run nobody expected. */
export function reportRows(
  schedules: DemoSchedule[],
  runs: RunRecord[],
  threeAm: number,
  duplicates: DuplicateDeliveries[] = [],
): ScheduleRunReport[] {
  const rows: ScheduleRunReport[] = [];
  const used = new Set<RunRecord>();
  const row = (
    run: RunRecord | undefined,
    schedule: string,
    label: string,
    expected: ScheduleRunReport['expected'],
  ): ScheduleRunReport => ({
    schedule,
    case: label,
    outcome: run?.outcome ?? 'NOT_RECORDED',
    expected,
    attempts: run?.attempts.length ?? 0,
    exitCodes: run?.exitCodes ?? {},
    durationMs: run?.durationMs ?? null,
  });
  for (const s of schedules) {
    for (const c of s.cases) {
      const run = runs.find((r) => r.schedule === s.spec.name && r.slotAt === threeAm + c.minute * MINUTE);
      if (run) used.add(run);
      rows.push(row(run, s.spec.name, c.case, c.expected));
    }
    if (s.duplicateCase) {
      const seen = duplicates.find((d) => d.schedule === s.spec.name && d.slotAt === threeAm);
      // Recognised: every extra delivery stopped at the claim, and one task ran for the slot.
      const once = seen !== undefined && seen.recognised === seen.deliveries - 1 && seen.tasksStarted === 1;
      rows.push({
        schedule: s.spec.name,
        case: s.duplicateCase,
        outcome: once ? 'DUPLICATE' : 'RAN_TWICE',
        expected: 'DUPLICATE',
        attempts: 0,
        exitCodes: {},
        durationMs: null,
      });
    }
  }
  for (const run of runs.filter((r) => !used.has(r))) {
    rows.push(row(run, run.schedule, `unexpected run at ${hhmmss(run.slotAt)}`, 'NONE'));
  }
  return rows;
}

/** The parts of the workflow's state the live lines read (each may be absent). */
interface SeenState {
  attempt?: {
    number?: number;
    started?: boolean;
    guardLost?: boolean;
    taskArn?: string;
    failures?: RunTaskFailure[];
  };
  spec?: { timeoutSeconds?: number };
  history?: { decision?: { kind?: string; waitSeconds?: number } };
  guard?: { heldBy?: string };
  recorded?: { record?: RunRecord | null };
}

/** One terminal line per step worth seeing. */
function livePrinter(out: NonNullable<SchedulesDemoOptions['out']>, clock: ScaledClock, wallStart: number) {
  const say = (d: Delivery, text: string) =>
    out.write(
      `  ${hhmmss(clock.now())} (+${((Date.now() - wallStart) / 1000).toFixed(1).padStart(4)}s)  ${d.schedule.padEnd(16)} ${text}\n`,
    );
  return {
    onDelivery: (d: Delivery) => {
      const late = clock.now() - d.slotAt;
      say(
        d,
        `slot ${hhmmss(d.slotAt)} delivered → execution ${d.executionName.slice(0, 8)}` +
          (late >= 2000 ? ` (${seconds(late)} after its slot: the local event loop was busy)` : ''),
      );
    },
    onEvent: (d: Delivery, e: EngineEvent) => {
      const output = e.output as SeenState | undefined;
      const input = e.input as SeenState | undefined;
      if (e.type === 'StateExited' && e.state === 'StartTask') {
        const a = output?.attempt;
        if (a?.started)
          say(d, `attempt ${a.number}: task ${String(a.taskArn).split('/').pop()!.slice(0, 8)} started`);
        else if (a?.guardLost) say(d, `attempt ${a.number}: not started, the guard was taken`);
        else {
          const failures = a?.failures ?? [];
          const text = failures.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join('; ');
          say(d, `attempt ${a?.number}: RunTask failures[]: ${text}`);
        }
      } else if (e.type === 'StateEntered' && e.state === 'StopTimedOutTask') {
        say(
          d,
          `run-time limit of ${input?.spec?.timeoutSeconds} s reached: StopTask (SIGTERM, SIGKILL after stopTimeout)`,
        );
      } else if (e.type === 'StateEntered' && e.state === 'BackoffBeforeRetry') {
        const decision = input?.history?.decision;
        say(d, `retry (${decision?.kind}) in ${decision?.waitSeconds} s`);
      } else if (e.type === 'StateEntered' && e.state === 'Skipped') {
        say(d, `previous run ${input?.guard?.heldBy} holds the guard (overlap: forbid)`);
      } else if (e.type === 'StateEntered' && e.state === 'StopPreviousRun') {
        say(d, `previous run ${input?.guard?.heldBy} holds the guard (overlap: replace): StopTask`);
      } else if (e.type === 'StateEntered' && e.state === 'DuplicateDelivery') {
        say(d, 'duplicate delivery of a claimed slot: nothing started');
      } else if (e.type === 'StateExited' && e.state === 'RecordRun') {
        const record = output?.recorded?.record;
        if (!record) return;
        const duration = record.durationMs ?? 0;
        say(
          d,
          `→ ${record.outcome}  ${codes(record.exitCodes)}  ${seconds(duration)} (${seconds(clock.wallMs(duration))} wall)  ${record.reason ?? ''}`,
        );
      }
    },
  };
}

function summaryTable(rows: ScheduleRunReport[], scale: number): string {
  return textTable(
    ['schedule', 'case', 'outcome', 'expected', 'attempts', 'exit codes', 'duration', 'wall', ''],
    rows.map((r) => [
      r.schedule,
      r.case,
      r.outcome,
      r.expected,
      String(r.attempts),
      codes(r.exitCodes),
      r.durationMs === null ? '-' : seconds(r.durationMs),
      r.durationMs === null ? '-' : seconds(r.durationMs / scale),
      r.outcome === r.expected ? 'ok' : 'UNEXPECTED',
    ]),
  );
}

/** Runs the scenario; resolves with the report (also written to `<workDir>/schedules-report.json`). */
export async function runSchedulesDemo(options: SchedulesDemoOptions = {}): Promise<SchedulesDemoReport> {
  const out = options.out ?? process.stdout;
  const scale = options.timeScale ?? DEFAULT_TIME_SCALE;
  const workDir = path.resolve(options.workDir ?? '.greenlight');
  const runDir = path.join(workDir, 'schedules');
  await rm(runDir, { recursive: true, force: true });
  await mkdir(runDir, { recursive: true });

  const threeAm = tonightAtThree(Date.now());
  const schedules = demoSchedules(threeAm);
  const dynamo = await startDynalite();
  // Schedule time starts once the local services are up, 5 s before the first slots.
  const clock = new ScaledClock(threeAm - 5000, scale);
  out.write(
    `Scheduled tasks in the local rehearsal. Real: the state machine (local engine), its step handlers, ` +
      `the run ledger (DynamoDB API on dynalite), task containers as local processes with their exit codes. ` +
      `Simulated: capacity failures (RunTask failures[]), no Fargate or placement, SNS is a file.\n` +
      `Time is compressed ×${scale}: schedule time starts at ${new Date(clock.start).toISOString()} and runs ` +
      `${scale} times faster than the wall clock; durations are schedule time (wall time in brackets).\n\n`,
  );

  const taskDefinitions = new LocalTaskDefinitions();
  for (const td of TASK_DEFINITIONS) taskDefinitions.register(td);
  const tasks = new LocalTaskRunner({
    taskDefinitions,
    catalog: new ImageCatalog(),
    clock,
    timeScale: scale,
    logDir: path.join(runDir, 'tasks'),
  });
  for (const s of schedules) if (s.startFailures) tasks.simulateStartFailures(s.spec.name, s.startFailures);
  const ledger = new DynamoRunLedger({ client: dynamo.documentClient, tableName: dynamo.tableName });
  const deps: ScheduleDeps = {
    ledger,
    tasks,
    taskDefinitions: new LocalTaskDefinitionReader(taskDefinitions),
    notifier: new FileNotifier({ path: path.join(runDir, 'notifications.jsonl'), console: out, clock }),
    clock,
    logger: createLogger({ logLevel: 'SILENT' }),
  };
  const printer = livePrinter(out, clock, Date.now());
  const scheduler = new LocalScheduler({
    schedules: schedules.map((s) => ({
      spec: s.spec,
      ...(s.startDate ? { startDate: s.startDate } : {}),
      ...(s.deliveries ? { deliveries: s.deliveries } : {}),
    })),
    deps,
    clock,
    from: clock.start,
    // Two slots of each per-minute schedule (03:00, 03:01), one of each nightly one.
    until: threeAm + 90_000,
    ...printer,
  });
  try {
    scheduler.start();
    await scheduler.settled();
    const runs: RunRecord[] = [];
    for (const s of schedules) {
      runs.push(...(await ledger.listRuns(s.spec.name, { now: clock.now(), limit: 50 })).reverse());
    }
    const duplicates: DuplicateDeliveries[] = schedules
      .filter((s) => s.deliveries && s.deliveries > 1)
      .map((s) => {
        const ofSlot = scheduler.deliveries.filter((d) => d.schedule === s.spec.name && d.slotAt === threeAm);
        return {
          schedule: s.spec.name,
          slotAt: threeAm,
          deliveries: ofSlot.length,
          recognised: ofSlot.filter((d) =>
            d.result?.events.some((e) => e.type === 'StateEntered' && e.state === 'DuplicateDelivery'),
          ).length,
          tasksStarted: tasks.list().filter((t) => t.startedBy === scheduledStartedBy(s.spec.name)).length,
        };
      });
    const rows = reportRows(schedules, runs, threeAm, duplicates);
    const report: SchedulesDemoReport = { runs: rows, passed: rows.every((r) => r.outcome === r.expected) };
    const file = path.join(workDir, 'schedules-report.json');
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    out.write(`\n${summaryTable(rows, scale)}\n\n`);
    out.write(
      `report: ${path.relative(process.cwd(), file)}  alerts: ${path.relative(process.cwd(), path.join(runDir, 'notifications.jsonl'))}  ` +
        `task logs: ${path.relative(process.cwd(), path.join(runDir, 'tasks'))}/\n` +
        `${report.passed ? 'PASSED: every run ended as expected' : 'FAILED: some runs did not end as expected'}\n`,
    );
    return report;
  } finally {
    scheduler.stop();
    await tasks.stopAll();
    await dynamo.stop();
  }
}

/** `greenlight demo schedules [--time-scale N] [--work-dir DIR]`: exit 0 only if every run ended as expected. */
export async function schedulesDemoCommand(
  args: string[],
  io: { stdout: { write(chunk: string): unknown }; stderr: { write(chunk: string): unknown } },
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'time-scale': { type: 'string', default: String(DEFAULT_TIME_SCALE) },
      'work-dir': { type: 'string' },
    },
    strict: true,
  });
  const scale = Number(values['time-scale']);
  if (!Number.isInteger(scale) || scale < 1 || scale > 60) {
    io.stderr.write(`--time-scale: expected an integer from 1 to 60, got "${values['time-scale']}"\n`);
    return 2;
  }
  const report = await runSchedulesDemo({
    timeScale: scale,
    out: io.stdout,
    ...(values['work-dir'] ? { workDir: values['work-dir'] } : {}),
  });
  return report.passed ? 0 : 1;
}
