/**
 * The schedule routes of the deploy API: Greenlight's EventBridge Scheduler schedules (the spec
 * lives in each schedule's target input), their manual runs (StartExecution of the scheduled-task
 * machine, named by manualRunId) and their run history (the run ledger). Every route reads the
 * IAM caller first, like the deployment routes.
 */
import { randomUUID } from 'node:crypto';
import { InvalidInputError, ServiceStateError } from '../../shared/domain/errors';
import { manualRunId } from '../../shared/domain/schedules/run-id';
import { manualRunInput } from '../../shared/domain/schedules/run-input';
import type { RunRecord } from '../../shared/domain/schedules/run-record';
import { diffSchedules } from '../../shared/domain/schedules/schedule-diff';
import { parseScheduleSpec } from '../../shared/domain/schedules/schedule-spec';
import { parseInput } from '../../shared/domain/validation';
import type { Logger } from '../../shared/lambda';
import type { Clock } from '../../shared/ports/clock';
import type { Executions } from '../../shared/ports/executions';
import type { RunLedger } from '../../shared/ports/run-ledger';
import {
  ScheduleExistsError,
  ScheduleNotFoundError,
  type DeployedSchedule,
  type Schedules,
} from '../../shared/ports/schedules';
import {
  ManualRunResponseSchema,
  NameParams,
  respond,
  RunsQuery,
  RunsResponseSchema,
  ScheduleDeletedResponseSchema,
  ScheduleListResponseSchema,
  ScheduleResponseSchema,
  ScheduleWriteResponseSchema,
} from './api-schemas';
import { callerOf, jsonBody, NotFoundError, type ApiEvent, type ApiResult } from './http';
import type { ApiRouteKey } from './routes';

export interface ScheduleApiDeps {
  schedules: Schedules;
  ledger: Pick<RunLedger, 'listRuns'>;
  /** Executions of the scheduled-task machine (manual runs), named by run id. */
  runs: Pick<Executions, 'start'>;
  /** The manual run id's suffix (default: 12 random hex digits). */
  runSuffix?: () => string;
}

/** What the schedule routes need of the API's dependencies. */
export interface ScheduleRouteDeps {
  /** Absent where schedules are not wired (then every schedule route answers 404). */
  scheduling?: ScheduleApiDeps;
  clock: Clock;
  logger: Logger;
}

export type ScheduleRouteKey = Extract<ApiRouteKey, `${string} /schedules${string}`>;

type ScheduleRoute = (deps: ScheduleRouteDeps, event: ApiEvent) => Promise<ApiResult>;

export const scheduleLinks = (name: string) => ({
  self: `/schedules/${name}`,
  runs: `/schedules/${name}/runs`,
});

function scheduling(deps: ScheduleRouteDeps): ScheduleApiDeps {
  if (!deps.scheduling) throw new NotFoundError('schedules are not configured on this API');
  return deps.scheduling;
}

function nameOf(event: ApiEvent): string {
  return parseInput(NameParams, event.pathParameters ?? {}, 'path').name;
}

/** A run as listed: the record without the attempts' detail (GET .../runs has it all). */
function lastRunOf(run: RunRecord | undefined) {
  if (!run) return null;
  const { runId, trigger, slotAt, startedAt, status, outcome, reason, endedAt, durationMs } = run;
  return { runId, trigger, slotAt, startedAt, status, outcome, reason, endedAt, durationMs };
}

async function withLastRun(deps: ScheduleRouteDeps, s: ScheduleApiDeps, schedule: DeployedSchedule) {
  const [last] = await s.ledger.listRuns(schedule.name, { now: deps.clock.now(), limit: 1 });
  return { ...schedule, lastRun: lastRunOf(last), links: scheduleLinks(schedule.name) };
}

export const scheduleRoutes: Record<ScheduleRouteKey, ScheduleRoute> = {
  'PUT /schedules/{name}': async (deps, event) => {
    const caller = callerOf(event);
    const s = scheduling(deps);
    const name = nameOf(event);
    const body = jsonBody(event);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      const message = 'expected a schedule spec (a JSON object)';
      throw new InvalidInputError(`body: ${message}`, [{ path: 'body', message }]);
    }
    if ('name' in body && body.name !== name) {
      const message = `the path names schedule ${name}, the body ${JSON.stringify(body.name)}`;
      throw new InvalidInputError(`body.name: ${message}`, [{ path: 'body.name', message }]);
    }
    const spec = parseScheduleSpec({ ...body, name }, 'body');
    const current = await s.schedules.get(name);
    const [change] = diffSchedules([spec], current ? [current] : [], { prune: false });
    const links = scheduleLinks(name);
    if (!change || change.action === 'unchanged') {
      return respond(ScheduleWriteResponseSchema, 200, { name, outcome: 'unchanged', fields: [], links });
    }
    let outcome: 'created' | 'updated';
    if (change.action === 'create') {
      try {
        await s.schedules.create(spec);
        outcome = 'created';
      } catch (error) {
        // Created by another request since the read: this one's spec is the later word.
        if (!(error instanceof ScheduleExistsError)) throw error;
        await s.schedules.update(spec);
        outcome = 'updated';
      }
    } else {
      try {
        await s.schedules.update(spec);
        outcome = 'updated';
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
        await s.schedules.create(spec);
        outcome = 'created';
      }
    }
    const fields = change.action === 'update' ? change.fields : [];
    deps.logger.info('schedule written', { name, outcome, fields, by: caller });
    return respond(
      ScheduleWriteResponseSchema,
      outcome === 'created' ? 201 : 200,
      { name, outcome, fields, links },
      { location: links.self },
    );
  },

  'GET /schedules': async (deps, event) => {
    callerOf(event);
    const s = scheduling(deps);
    const listed = await s.schedules.list();
    return respond(ScheduleListResponseSchema, 200, {
      schedules: await Promise.all(listed.map((d) => withLastRun(deps, s, d))),
    });
  },

  'GET /schedules/{name}': async (deps, event) => {
    callerOf(event);
    const s = scheduling(deps);
    const name = nameOf(event);
    const schedule = await s.schedules.get(name);
    if (!schedule) throw new NotFoundError(`no schedule ${name}`);
    return respond(ScheduleResponseSchema, 200, await withLastRun(deps, s, schedule));
  },

  'DELETE /schedules/{name}': async (deps, event) => {
    const caller = callerOf(event);
    const s = scheduling(deps);
    const name = nameOf(event);
    if (!(await s.schedules.delete(name))) throw new NotFoundError(`no schedule ${name}`);
    deps.logger.info('schedule deleted', { name, by: caller });
    // The runs stay in the ledger until their TTL: GET /schedules/{name}/runs still lists them.
    return respond(ScheduleDeletedResponseSchema, 200, {
      name,
      deleted: true,
      links: { runs: scheduleLinks(name).runs },
    });
  },

  'POST /schedules/{name}/runs': async (deps, event) => {
    const caller = callerOf(event);
    const s = scheduling(deps);
    const name = nameOf(event);
    const schedule = await s.schedules.get(name);
    if (!schedule) throw new NotFoundError(`no schedule ${name}`);
    if (!schedule.spec) {
      throw new ServiceStateError(
        `schedule ${name} carries no valid spec (${schedule.problem ?? 'unknown'}): apply its file again first`,
      );
    }
    const requestedAt = deps.clock.now();
    const suffix = (s.runSuffix ?? (() => randomUUID().replace(/-/g, '').slice(0, 12)))();
    const runId = manualRunId(name, requestedAt, suffix);
    // A manual run starts even while the schedule is suspended (BeginRun skips only scheduled slots).
    const started = await s.runs.start(
      runId,
      JSON.stringify(manualRunInput(schedule.spec, requestedAt, suffix)),
    );
    if (started === 'different-input') {
      throw new ServiceStateError(`run id ${runId} was used by another run: ask again`);
    }
    deps.logger.info('manual run started', { name, runId, by: caller });
    return respond(ManualRunResponseSchema, 202, {
      schedule: name,
      runId,
      execution: runId,
      requestedAt,
      requestedBy: caller,
      links: { runs: scheduleLinks(name).runs },
    });
  },

  'GET /schedules/{name}/runs': async (deps, event) => {
    callerOf(event);
    const s = scheduling(deps);
    const name = nameOf(event);
    const { limit } = parseInput(RunsQuery, event.queryStringParameters ?? {}, 'query');
    // No 404 for an unknown schedule: a deleted schedule's runs stay readable until their TTL.
    const runs = await s.ledger.listRuns(name, { now: deps.clock.now(), limit });
    return respond(RunsResponseSchema, 200, { schedule: name, runs });
  },
};
