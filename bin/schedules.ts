/**
 * `greenlight schedules <command>`: scheduled ECS tasks. `next` runs offline; the others call the
 * deploy API (bin/schedule-commands.ts).
 */
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../shared/domain/errors';
import { parseExpression } from '../shared/domain/schedules/expression';
import { nextRuns } from '../shared/domain/schedules/next-runs';
import {
  formatLocal,
  instantsOf,
  timeZoneProblem,
  wallTimeOf,
  wallTimeProblem,
} from '../shared/domain/schedules/zoned-time';
import type { CommandIo } from './alerts';
import type { ApiClientOptions } from './api-client';
import { API_COMMANDS, apiCommand, type ApiCommand } from './schedule-commands';

export const MAX_NEXT_COUNT = 1000;

export const SCHEDULES_USAGE = `usage: greenlight schedules <command> [options]

commands:
  next EXPRESSION [--tz ZONE] [--from ISO-8601] [--count N] [--json]
                         the next N times (default 5, at most ${MAX_NEXT_COUNT}) after --from (default now)
                         at which EventBridge Scheduler fires EXPRESSION in ZONE (default UTC), offline;
                         --json prints UTC instants
  list [--count N]       Greenlight's schedules: state, next runs in each one's time zone (default 1),
                         last run's outcome
  run NAME [--wait]      start a run now (a manual run, even of a suspended schedule); --wait follows
                         it to its end [--poll-seconds N] [--max-wait-seconds N]
  history NAME [--limit N]   the schedule's runs, newest first (default 20)
  diff DIR [--prune]     compare DIR/*.json (schedule specs) with the deployed schedules
  apply DIR [--prune]    create and update the schedules of DIR/*.json; --prune also deletes the
                         deployed schedules no file names
  suspend NAME           disable a schedule (its slots do not fire; a later apply of a file with
                         enabled: true resumes it)
  resume NAME            enable a schedule

options (all but next):
  --api URL       the deploy API (stack output HttpApiUrl), or GREENLIGHT_API_URL; SigV4-signed
                  with the default AWS credential chain, except to a local API on 127.0.0.1
  --region R      signing region when the URL does not name it (else AWS_REGION)
  --json          print JSON on stdout, for scripts

exit status: 0 done, 1 failure (API unreachable, 5xx), 2 bad usage or input (a file's field, 400,
404), 3 conflict (409), 4 run --wait: the run ended other than SUCCEEDED
`;

export const NEXT_USAGE = `usage: greenlight schedules next EXPRESSION [--tz ZONE] [--from ISO-8601] [--count N] [--json]

  EXPRESSION   cron(minutes hours day-of-month month day-of-week year), rate(value unit) or
               at(yyyy-mm-ddThh:mm:ss), as EventBridge Scheduler takes them; quote it in the shell
  --tz ZONE    IANA time zone the expression is evaluated in (default UTC)
  --from TIME  list runs strictly after this instant (default now): 2027-03-14T00:00:00Z, an offset
               such as 2027-03-14T00:00:00-05:00, or a local time in ZONE without one
  --count N    how many runs (1–${MAX_NEXT_COUNT}, default 5)
  --json       print a JSON array of UTC instants (2027-03-15T06:30:00.000Z)

  Daylight saving time, as AWS documents it: a slot that does not exist (spring forward) is
  skipped, a wall time that happens twice (fall back) runs once; rate() is a fixed interval that
  ignores the zone, counted here from --from (Scheduler counts from the schedule's start).
`;

export interface SchedulesIo extends Pick<CommandIo, 'stdout' | 'stderr'> {
  /** The current time in epoch milliseconds. */
  now(): number;
  /** Where --api defaults from (GREENLIGHT_API_URL) and the signing region. */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  credentials?: ApiClientOptions['credentials'];
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `schedules <command>`; returns the exit status (2 on bad input). */
export async function schedulesCommand(args: string[], io: SchedulesIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout).write(SCHEDULES_USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'next') return next(rest, io);
  if (Object.hasOwn(API_COMMANDS, command)) return apiCommand(command as ApiCommand, rest, io);
  io.stderr.write(`unknown schedules command "${command}"\n${SCHEDULES_USAGE}`);
  return 2;
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/** `--from` as epoch milliseconds, or why it cannot be read. */
function parseFrom(text: string, timeZone: string): number | string {
  const match = ISO_8601.exec(text);
  if (!match) return `expected an ISO-8601 date and time such as 2027-03-14T00:00:00Z, got "${text}"`;
  const wall = wallTimeOf(match.slice(1, 7));
  if (wallTimeProblem(wall)) return `"${text}" is not a date and time`;
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const millis = Math.round(Number(match[7] ?? 0) * 1000);
  const zone = match[8];
  if (zone === 'Z') return asUtc + millis;
  if (zone) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    return asUtc - offsetMinutes * 60_000 + millis;
  }
  const instant = instantsOf(wall, timeZone)[0];
  if (instant === undefined)
    return `${text} does not exist in ${timeZone} (the clocks skip it for daylight saving time)`;
  return instant + millis;
}

async function next(args: string[], io: SchedulesIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        tz: { type: 'string', default: 'UTC' },
        from: { type: 'string' },
        count: { type: 'string', default: '5' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`schedules next: ${(error as Error).message}\n${NEXT_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(NEXT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr.write(`schedules next: give one EXPRESSION (quoted), got ${positionals.length}\n${NEXT_USAGE}`);
    return 2;
  }
  const problems: string[] = [];
  const timeZone = values.tz;
  const zoneProblem = timeZoneProblem(timeZone);
  if (zoneProblem) problems.push(`--tz: ${zoneProblem}`);
  const count = Number(values.count);
  if (!/^\d+$/.test(values.count) || count < 1 || count > MAX_NEXT_COUNT) {
    problems.push(`--count: expected a whole number from 1 to ${MAX_NEXT_COUNT}, got "${values.count}"`);
  }
  let after = io.now();
  if (values.from !== undefined && !zoneProblem) {
    const from = parseFrom(values.from, timeZone);
    if (typeof from === 'string') problems.push(`--from: ${from}`);
    else after = from;
  }
  let runs: number[] = [];
  try {
    const expression = parseExpression(positionals[0]!);
    if (problems.length === 0) runs = nextRuns(expression, { timeZone, after, count });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    problems.unshift(...error.issues.map((i) => `${i.path}: ${i.message}`));
  }
  if (problems.length > 0) {
    io.stderr.write(`${problems.join('\n')}\n`);
    return 2;
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(runs.map((t) => new Date(t).toISOString()))}\n`);
    return 0;
  }
  if (runs.length === 0) {
    io.stderr.write(`no run after ${new Date(after).toISOString()}\n`);
    return 0;
  }
  io.stdout.write(runs.map((t) => `${formatLocal(t, timeZone)} (${timeZone})\n`).join(''));
  return 0;
}
