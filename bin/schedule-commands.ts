/**
 * `greenlight schedules list | run | history | diff | apply | suspend | resume`: Greenlight's
 * EventBridge Scheduler schedules through the deploy API (the /schedules routes). Schedule files
 * are validated here with the same spec the API applies, so a bad file stops the command, naming
 * the file and the field, before anything is sent.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../shared/domain/errors';
import { parseExpression } from '../shared/domain/schedules/expression';
import { nextRuns } from '../shared/domain/schedules/next-runs';
import type { RunRecord } from '../shared/domain/schedules/run-record';
import {
  countChanges,
  diffSchedules,
  type DeployedView,
  type ScheduleChange,
} from '../shared/domain/schedules/schedule-diff';
import { parseScheduleSpec, type ScheduleSpec } from '../shared/domain/schedules/schedule-spec';
import { formatLocal } from '../shared/domain/schedules/zoned-time';
import { ApiClient, ApiError, ApiUsageError } from './api-client';
import type { SchedulesIo } from './schedules';
import { textTable } from './text-table';

const COMMON = {
  api: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Each command's options beyond --api, --region, --json. */
export const API_COMMANDS = {
  list: { count: { type: 'string', default: '1' } },
  run: {
    wait: { type: 'boolean', default: false },
    'poll-seconds': { type: 'string', default: '5' },
    'max-wait-seconds': { type: 'string', default: '86400' },
  },
  history: { limit: { type: 'string', default: '20' } },
  diff: { prune: { type: 'boolean', default: false } },
  apply: { prune: { type: 'boolean', default: false } },
  suspend: {},
  resume: {},
} as const;

export type ApiCommand = keyof typeof API_COMMANDS;

/** A schedule as GET /schedules returns it. */
interface ScheduleView extends DeployedView {
  state: 'ENABLED' | 'DISABLED';
  problem?: string;
  lastModified?: number;
  lastRun: Pick<RunRecord, 'runId' | 'trigger' | 'slotAt' | 'status' | 'outcome' | 'reason'> | null;
}

class UsageError extends Error {}

/** Bad schedule files: every problem, one per line, each naming the file and the field. */
class FileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** Runs one of API_COMMANDS; returns the exit status. */
export async function apiCommand(command: ApiCommand, args: string[], io: SchedulesIo): Promise<number> {
  let json = args.includes('--json');
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON, ...API_COMMANDS[command], help: { type: 'boolean', short: 'h', default: false } },
      allowPositionals: true,
      strict: true,
    });
    const v = values as Record<string, string | boolean | undefined>;
    json = v.json === true;
    if (v.help) {
      const { SCHEDULES_USAGE } = await import('./schedules');
      io.stdout.write(SCHEDULES_USAGE);
      return 0;
    }
    const api = () => client(v, io);
    switch (command) {
      case 'list':
        none(positionals);
        return await list(api(), whole(v.count, '--count', 1, 100), json, io);
      case 'run':
        return await run(api(), single(positionals, 'NAME'), v, json, io);
      case 'history':
        return await history(api(), single(positionals, 'NAME'), whole(v.limit, '--limit', 1, 100), json, io);
      case 'diff':
      case 'apply': {
        const specs = await readScheduleDir(single(positionals, 'DIR'));
        return await diffOrApply(
          api(),
          specs,
          { apply: command === 'apply', prune: v.prune === true },
          json,
          io,
        );
      }
      case 'suspend':
      case 'resume':
        return await setEnabled(api(), single(positionals, 'NAME'), command === 'resume', json, io);
    }
  } catch (error) {
    return failure(error, command, json, io);
  }
}

/**
 * The specs of `dir/*.json` (not recursive), sorted by file name. Throws FileError listing every
 * unreadable file, bad field and name used twice, so one run shows all that needs fixing.
 */
export async function readScheduleDir(dir: string): Promise<ScheduleSpec[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch (error) {
    throw new UsageError(`DIR: cannot read ${dir}: ${(error as Error).message}`);
  }
  if (files.length === 0) throw new UsageError(`DIR: no *.json schedule files in ${dir}`);
  const problems: string[] = [];
  const specs: ScheduleSpec[] = [];
  const fileOf = new Map<string, string>();
  for (const file of files) {
    const shown = path.join(dir, file);
    let input: unknown;
    try {
      input = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
    } catch (error) {
      problems.push(`${shown}: not valid JSON (${(error as Error).message})`);
      continue;
    }
    try {
      const spec = parseScheduleSpec(input, '');
      const other = fileOf.get(spec.name);
      if (other) {
        problems.push(`${shown}: name: schedule ${spec.name} is also defined in ${other}`);
        continue;
      }
      fileOf.set(spec.name, shown);
      specs.push(spec);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(...error.issues.map((i) => `${shown}: ${i.path}: ${i.message}`));
    }
  }
  if (problems.length > 0) throw new FileError(problems);
  return specs;
}

async function deployed(api: ApiClient): Promise<ScheduleView[]> {
  return ((await api.request('GET', '/schedules')).body as { schedules: ScheduleView[] }).schedules;
}

const schedulePath = (name: string) => `/schedules/${encodeURIComponent(name)}`;

/** One line per change: `+ name` create, `~ name (fields)` update, `- name` delete, `? name` extra. */
export function formatChange(change: ScheduleChange): string {
  switch (change.action) {
    case 'create':
      return `+ ${change.name}  create\n`;
    case 'update':
      return `~ ${change.name}  update: ${change.fields.join(', ')}\n`;
    case 'delete':
      return `- ${change.name}  delete\n`;
    case 'extra':
      return `? ${change.name}  deployed, in no file: kept (--prune deletes it)\n`;
    case 'unchanged':
      return `= ${change.name}  unchanged\n`;
  }
}

function summary(changes: ScheduleChange[]): string {
  const c = countChanges(changes);
  return `${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${c.unchanged} unchanged${c.extra ? `, ${c.extra} only deployed` : ''}\n`;
}

async function diffOrApply(
  api: ApiClient,
  specs: ScheduleSpec[],
  options: { apply: boolean; prune: boolean },
  json: boolean,
  io: SchedulesIo,
): Promise<number> {
  const changes = diffSchedules(specs, await deployed(api), { prune: options.prune });
  if (!options.apply) {
    if (json) io.stdout.write(`${JSON.stringify({ changes: changes.map(withoutSpec) }, null, 2)}\n`);
    else io.stdout.write(changes.map(formatChange).join('') + summary(changes));
    return 0;
  }
  const done: { name: string; action: string; outcome: string }[] = [];
  for (const change of changes) {
    let outcome: string;
    if (change.action === 'create' || change.action === 'update') {
      const reply = await api.request('PUT', schedulePath(change.name), { body: change.spec });
      outcome = (reply.body as { outcome: string }).outcome;
    } else if (change.action === 'delete') {
      await api.request('DELETE', schedulePath(change.name));
      outcome = 'deleted';
    } else {
      continue;
    }
    done.push({ name: change.name, action: change.action, outcome });
    if (!json) io.stdout.write(`${formatChange(change).trimEnd()}: ${outcome}\n`);
  }
  if (json)
    io.stdout.write(`${JSON.stringify({ applied: done, changes: changes.map(withoutSpec) }, null, 2)}\n`);
  else io.stdout.write(done.length === 0 ? `nothing to apply: ${summary(changes)}` : summary(changes));
  return 0;
}

function withoutSpec(change: ScheduleChange) {
  const { spec: _spec, ...rest } = change as ScheduleChange & { spec?: unknown };
  return rest;
}

/** The next `count` runs of a schedule in its zone, or why there are none to show. */
export function nextRunsText(spec: ScheduleSpec, now: number, count: number): string[] {
  const expression = parseExpression(spec.expression);
  if (expression.kind === 'rate') {
    // Scheduler counts a rate from the schedule's start, which it does not report: not predicted.
    return [`${expression.text}, counted from the schedule's start`];
  }
  const runs = nextRuns(expression, { timeZone: spec.timezone, after: now, count });
  return runs.length > 0 ? runs.map((t) => formatLocal(t, spec.timezone)) : ['none (at() already passed)'];
}

async function list(api: ApiClient, count: number, json: boolean, io: SchedulesIo): Promise<number> {
  const schedules = await deployed(api);
  const now = io.now();
  const rows = schedules.map((s) => {
    const next = !s.spec ? [] : s.state === 'DISABLED' ? [] : nextRunsText(s.spec, now, count);
    return { s, next };
  });
  if (json) {
    io.stdout.write(
      `${JSON.stringify(
        rows.map(({ s, next }) => ({
          name: s.name,
          state: s.state,
          timezone: s.spec?.timezone,
          expression: s.spec?.expression,
          nextRuns: next,
          lastRun: s.lastRun,
          ...(s.problem ? { problem: s.problem } : {}),
          drift: s.drift,
        })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (schedules.length === 0) {
    io.stdout.write('no schedules (greenlight schedules apply DIR creates them)\n');
    return 0;
  }
  const table = rows.map(({ s, next }) => [
    s.name,
    s.state === 'DISABLED' ? 'SUSPENDED' : 'ENABLED',
    s.spec?.expression ?? `invalid spec: ${s.problem ?? ''}`,
    s.spec?.timezone ?? '',
    s.state === 'DISABLED' ? '-' : next.join('; '),
    s.lastRun
      ? `${s.lastRun.outcome ?? s.lastRun.status} (${new Date(s.lastRun.slotAt).toISOString()})`
      : '-',
  ]);
  io.stdout.write(`${textTable(['NAME', 'STATE', 'EXPRESSION', 'TIME ZONE', 'NEXT', 'LAST RUN'], table)}\n`);
  for (const s of schedules.filter((x) => x.drift.length > 0)) {
    io.stdout.write(
      `${s.name}: changed outside Greenlight (${s.drift.join(', ')}); apply its file to put it back\n`,
    );
  }
  return 0;
}

async function runsOf(api: ApiClient, name: string, limit: number): Promise<RunRecord[]> {
  const reply = await api.request('GET', `${schedulePath(name)}/runs`, { query: { limit: String(limit) } });
  return (reply.body as { runs: RunRecord[] }).runs;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '' : `${Math.round(ms / 100) / 10} s`);

/** One row per run: what a person asks the morning after. */
export function historyRows(runs: RunRecord[]): string[][] {
  return runs.map((r) => [
    r.runId,
    r.trigger,
    new Date(r.slotAt).toISOString(),
    r.outcome ?? r.status,
    seconds(r.durationMs),
    String(r.attempts.length),
    Object.entries(r.exitCodes)
      .map(([c, code]) => `${c}=${code ?? '?'}`)
      .join(' '),
    r.reason ?? '',
  ]);
}

async function history(
  api: ApiClient,
  name: string,
  limit: number,
  json: boolean,
  io: SchedulesIo,
): Promise<number> {
  const runs = await runsOf(api, name, limit);
  if (json) {
    io.stdout.write(`${JSON.stringify({ schedule: name, runs }, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    io.stdout.write(`no runs of ${name} in the ledger\n`);
    return 0;
  }
  const header = ['RUN', 'TRIGGER', 'SLOT', 'OUTCOME', 'DURATION', 'ATTEMPTS', 'EXIT CODES', 'REASON'];
  io.stdout.write(`${textTable(header, historyRows(runs))}\n`);
  return 0;
}

async function run(
  api: ApiClient,
  name: string,
  v: Record<string, string | boolean | undefined>,
  json: boolean,
  io: SchedulesIo,
): Promise<number> {
  const pollMs = number(v['poll-seconds'], '--poll-seconds', 0.1, 300) * 1000;
  const maxWaitMs = number(v['max-wait-seconds'], '--max-wait-seconds', 1, 8 * 86_400) * 1000;
  const started = (await api.request('POST', `${schedulePath(name)}/runs`)).body as { runId: string };
  if (!v.wait) {
    if (json) io.stdout.write(`${JSON.stringify(started, null, 2)}\n`);
    else {
      io.stdout.write(`started run ${started.runId}\nfollow it with: greenlight schedules history ${name}\n`);
    }
    return 0;
  }
  if (!json) io.stdout.write(`started run ${started.runId}; waiting for its end\n`);
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = io.now() + maxWaitMs;
  let last = '';
  for (;;) {
    // A manual run's slot is when it was asked for: among the newest runs.
    const record = (await runsOf(api, name, 50)).find((r) => r.runId === started.runId);
    const status = record ? (record.outcome ?? record.status) : 'STARTING';
    if (status !== last && !json) io.stdout.write(`  ${status}\n`);
    last = status;
    if (record && record.status !== 'RUNNING') {
      if (json) io.stdout.write(`${JSON.stringify({ ...started, run: record }, null, 2)}\n`);
      else
        io.stdout.write(
          `${textTable(['RUN', 'TRIGGER', 'SLOT', 'OUTCOME', 'DURATION', 'ATTEMPTS', 'EXIT CODES', 'REASON'], historyRows([record]))}\n`,
        );
      return record.outcome === 'SUCCEEDED' ? 0 : 4;
    }
    if (io.now() >= deadline) {
      io.stderr.write(
        `greenlight schedules run: ${started.runId} has not ended after --max-wait-seconds; it goes on: greenlight schedules history ${name}\n`,
      );
      return 1;
    }
    await sleep(pollMs);
  }
}

async function setEnabled(
  api: ApiClient,
  name: string,
  enabled: boolean,
  json: boolean,
  io: SchedulesIo,
): Promise<number> {
  const schedule = (await api.request('GET', schedulePath(name))).body as ScheduleView;
  if (!schedule.spec) {
    throw new UsageError(
      `schedule ${name} carries no valid spec (${schedule.problem ?? 'unknown'}): apply its file first`,
    );
  }
  const reply = await api.request('PUT', schedulePath(name), { body: { ...schedule.spec, enabled } });
  const outcome = (reply.body as { outcome: string }).outcome;
  if (json) {
    io.stdout.write(`${JSON.stringify({ name, enabled, outcome }, null, 2)}\n`);
    return 0;
  }
  const verb = enabled ? 'resumed' : 'suspended';
  io.stdout.write(
    outcome === 'unchanged'
      ? `${name} was already ${verb}\n`
      : enabled
        ? `${name} resumed: its next slot fires\n`
        : `${name} suspended: no slot fires until greenlight schedules resume ${name} (manual runs still start)\n`,
  );
  return 0;
}

function client(v: Record<string, string | boolean | undefined>, io: SchedulesIo): ApiClient {
  const env = io.env ?? {};
  const url = (v.api as string | undefined) ?? env.GREENLIGHT_API_URL;
  if (!url) throw new UsageError('--api: the deploy API URL is required (or set GREENLIGHT_API_URL)');
  return new ApiClient({
    url,
    env,
    ...(typeof v.region === 'string' ? { region: v.region } : {}),
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(io.credentials ? { credentials: io.credentials } : {}),
  });
}

function single(positionals: string[], name: string): string {
  if (positionals.length !== 1 || !positionals[0]) {
    throw new UsageError(`expected exactly one ${name}, got ${positionals.length}`);
  }
  return positionals[0];
}

function none(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`expected no arguments, got ${positionals.join(' ')}`);
}

function whole(text: unknown, option: string, min: number, max: number): number {
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${option}: expected a whole number from ${min} to ${max}, got "${String(text)}"`);
  }
  return n;
}

function number(text: unknown, option: string, min: number, max: number): number {
  const n = Number(text);
  if (typeof text !== 'string' || text.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`${option}: expected a number from ${min} to ${max}, got "${String(text)}"`);
  }
  return n;
}

function failure(error: unknown, command: string, json: boolean, io: SchedulesIo): number {
  const prefix = `greenlight schedules ${command}`;
  if (error instanceof FileError) {
    io.stderr.write(
      `${prefix}: invalid schedule files, nothing sent\n${error.problems.map((p) => `  ${p}\n`).join('')}`,
    );
    return 2;
  }
  const code = (error as { code?: unknown })?.code;
  if (
    error instanceof UsageError ||
    error instanceof ApiUsageError ||
    (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
  ) {
    io.stderr.write(`${prefix}: ${(error as Error).message}\n`);
    return 2;
  }
  if (error instanceof ApiError) {
    if (json) io.stdout.write(`${JSON.stringify({ status: error.status, ...error.body }, null, 2)}\n`);
    const issues = error.body.issues ?? [];
    const detail =
      issues.length > 1
        ? `invalid request${issues.map((i) => `\n  ${i.path}: ${i.message}`).join('')}`
        : error.message;
    io.stderr.write(`${prefix}: ${error.status} ${error.body.error ?? 'error'}: ${detail}\n`);
    if (error.status === 409) return 3;
    if (error.status >= 400 && error.status < 500 && error.status !== 403) return 2;
    return 1;
  }
  io.stderr.write(`${prefix}: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
