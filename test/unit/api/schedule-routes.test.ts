import { handleApiRequest, type ApiDeps } from '../../../functions/api/api';
import { scheduleRoutes } from '../../../functions/api/schedule-routes';
import { API_ROUTES } from '../../../functions/api/routes';
import { claimRecord } from '../../../shared/domain/schedules/run-record';
import type { ScheduleSpecInput } from '../../../shared/domain/schedules/schedule-spec';
import { parseScheduleSpec } from '../../../shared/domain/schedules/schedule-spec';
import { SimulatedSchedules } from '../../../shared/local/scheduler/simulated-schedules';
import type { StartOutcome } from '../../../shared/ports/executions';
import { expectDocumented } from '../../support/openapi-check';
import { apiEvent, bodyOf, CALLER } from '../../fixtures/api-events';
import { MemoryRunLedger } from '../../support/memory-schedules';
import { ManualClock, MemoryStore, silentLogger } from '../../support/memory-ports';

const NOW = Date.parse('2027-03-15T06:30:01.000Z');

const SPEC: ScheduleSpecInput = {
  name: 'nightly-report',
  expression: 'cron(30 2 * * ? *)',
  timezone: 'Europe/Paris',
  cluster: 'jobs',
  taskDefinition: 'gl-report',
  launchType: 'FARGATE',
  network: { subnets: ['subnet-0a1b2c3d'] },
};

function world(options: { scheduling?: boolean; startOutcome?: StartOutcome } = {}) {
  const schedules = new SimulatedSchedules(() => NOW);
  const ledger = new MemoryRunLedger();
  const started: { name: string; input: unknown }[] = [];
  const deps: ApiDeps = {
    executions: { start: async () => 'started', status: async () => 'NOT_FOUND' },
    store: new MemoryStore(),
    deployments: { runningDeployment: async () => null },
    clock: new ManualClock(NOW),
    logger: silentLogger(),
    ...(options.scheduling === false
      ? {}
      : {
          scheduling: {
            schedules,
            ledger,
            runs: {
              start: async (name: string, input: string) => {
                started.push({ name, input: JSON.parse(input) });
                return options.startOutcome ?? 'started';
              },
            },
            runSuffix: () => 'abc123',
          },
        }),
  };
  // Every answer is checked against docs/openapi.json as well as by the test's own expectations.
  const call = async (...args: Parameters<typeof apiEvent>) =>
    expectDocumented(args[0], await handleApiRequest(deps, apiEvent(...args)));
  return { deps, schedules, ledger, started, call };
}

const put = (w: ReturnType<typeof world>, body: unknown, name = 'nightly-report') =>
  w.call('PUT /schedules/{name}', { pathParameters: { name }, body });

describe('deploy API: schedule routes', () => {
  it('registers every schedule route in routes.ts', () => {
    expect(Object.keys(scheduleRoutes).sort()).toEqual(
      API_ROUTES.filter((r) => r.includes('/schedules')).sort(),
    );
  });

  it('PUT creates (201), then answers unchanged, then updates naming the changed fields', async () => {
    const w = world();
    const created = await put(w, SPEC);
    expect(created.statusCode).toBe(201);
    expect(bodyOf(created)).toEqual({
      name: 'nightly-report',
      outcome: 'created',
      fields: [],
      links: { self: '/schedules/nightly-report', runs: '/schedules/nightly-report/runs' },
    });
    const same = await put(w, { ...SPEC, overlap: 'forbid' });
    expect([same.statusCode, bodyOf(same).outcome]).toEqual([200, 'unchanged']);
    const updated = await put(w, { ...SPEC, expression: 'rate(1 hour)' });
    expect(updated.statusCode).toBe(200);
    expect(bodyOf(updated)).toMatchObject({ outcome: 'updated', fields: ['expression'] });
    expect(w.schedules.calls).toEqual([
      { op: 'create', name: 'nightly-report' },
      { op: 'update', name: 'nightly-report' },
    ]);
    expect((await w.schedules.get('nightly-report'))?.spec?.expression).toBe('rate(1 hour)');
  });

  it('PUT takes the name from the path and refuses a body naming another, or a bad field, naming it', async () => {
    const w = world();
    const { name: _name, ...withoutName } = SPEC;
    expect((await put(w, withoutName)).statusCode).toBe(201);
    const other = await put(w, { ...SPEC, name: 'other' });
    expect(other.statusCode).toBe(400);
    expect(bodyOf(other).issues).toEqual([
      { path: 'body.name', message: 'the path names schedule nightly-report, the body "other"' },
    ]);
    const bad = await put(w, { ...SPEC, expression: 'cron(61 2 * * ? *)' });
    expect(bad.statusCode).toBe(400);
    expect((bodyOf(bad).issues as { path: string }[]).map((i) => i.path)).toEqual([
      'body.expression.minutes',
    ]);
    expect((await put(w, [SPEC])).statusCode).toBe(400);
    expect((await put(w, SPEC, 'bad name!')).statusCode).toBe(400);
  });

  it('GET /schedules lists each schedule with its spec, state and last run', async () => {
    const w = world();
    await put(w, SPEC);
    await put(w, { ...SPEC, name: 'a-first', enabled: false }, 'a-first');
    const claim = {
      schedule: 'nightly-report',
      runId: 'nightly-report_20270315T013000Z',
      trigger: 'schedule' as const,
      slotAt: Date.parse('2027-03-15T01:30:00Z'),
      execution: 'e1',
      cluster: 'jobs',
      startedAt: Date.parse('2027-03-15T01:30:02Z'),
      expiresAt: NOW + 86_400_000,
    };
    await w.ledger.recordRun({
      ...claimRecord(claim),
      status: 'SUCCEEDED',
      outcome: 'SUCCEEDED',
      reason: 'ok',
    });
    const result = await w.call('GET /schedules');
    expect(result.statusCode).toBe(200);
    const listed = bodyOf(result).schedules as Record<string, unknown>[];
    expect(listed.map((s) => [s.name, s.state])).toEqual([
      ['a-first', 'DISABLED'],
      ['nightly-report', 'ENABLED'],
    ]);
    expect(listed[0]!.lastRun).toBeNull();
    expect(listed[1]!.lastRun).toMatchObject({
      runId: claim.runId,
      outcome: 'SUCCEEDED',
      trigger: 'schedule',
    });
    expect(listed[1]!.spec).toEqual(JSON.parse(JSON.stringify(parseScheduleSpec(SPEC))));
  });

  it('GET and DELETE one schedule; 404 for one that does not exist', async () => {
    const w = world();
    await put(w, SPEC);
    const got = await w.call('GET /schedules/{name}', { pathParameters: { name: 'nightly-report' } });
    expect([got.statusCode, bodyOf(got).name]).toEqual([200, 'nightly-report']);
    const deleted = await w.call('DELETE /schedules/{name}', { pathParameters: { name: 'nightly-report' } });
    expect([deleted.statusCode, bodyOf(deleted).deleted]).toEqual([200, true]);
    for (const routeKey of [
      'GET /schedules/{name}',
      'DELETE /schedules/{name}',
      'POST /schedules/{name}/runs',
    ]) {
      const missing = await w.call(routeKey, { pathParameters: { name: 'nightly-report' } });
      expect({ routeKey, status: missing.statusCode }).toEqual({ routeKey, status: 404 });
    }
  });

  it('POST .../runs starts a manual run of the deployed spec, named by manualRunId, even while suspended', async () => {
    const w = world();
    await put(w, { ...SPEC, enabled: false });
    const result = await w.call('POST /schedules/{name}/runs', {
      pathParameters: { name: 'nightly-report' },
    });
    expect(result.statusCode).toBe(202);
    expect(bodyOf(result)).toEqual({
      schedule: 'nightly-report',
      runId: 'nightly-report_20270315T063001Z_mabc123',
      execution: 'nightly-report_20270315T063001Z_mabc123',
      requestedAt: NOW,
      requestedBy: CALLER,
      links: { runs: '/schedules/nightly-report/runs' },
    });
    expect(w.started).toEqual([
      {
        name: 'nightly-report_20270315T063001Z_mabc123',
        input: {
          spec: JSON.parse(JSON.stringify(parseScheduleSpec({ ...SPEC, enabled: false }))),
          trigger: 'manual',
          requestedAt: '2027-03-15T06:30:01.000Z',
          runSuffix: 'abc123',
        },
      },
    ]);
  });

  it('POST .../runs refuses (409) a run id already used for another input', async () => {
    const w = world({ startOutcome: 'different-input' });
    await put(w, SPEC);
    const result = await w.call('POST /schedules/{name}/runs', {
      pathParameters: { name: 'nightly-report' },
    });
    expect(result.statusCode).toBe(409);
  });

  it('GET .../runs lists the ledger, newest first, within the limit; a bad limit names the field', async () => {
    const w = world();
    for (const hour of [1, 2, 3]) {
      const slotAt = Date.UTC(2027, 2, 15, hour);
      await w.ledger.claimRun({
        schedule: 'nightly-report',
        runId: `r${hour}`,
        trigger: 'schedule',
        slotAt,
        execution: `e${hour}`,
        cluster: 'jobs',
        startedAt: slotAt,
        expiresAt: NOW + 1000,
      });
    }
    const result = await w.call('GET /schedules/{name}/runs', {
      pathParameters: { name: 'nightly-report' },
      queryStringParameters: { limit: '2' },
    });
    expect(result.statusCode).toBe(200);
    expect((bodyOf(result).runs as { runId: string }[]).map((r) => r.runId)).toEqual(['r3', 'r2']);
    const bad = await w.call('GET /schedules/{name}/runs', {
      pathParameters: { name: 'nightly-report' },
      queryStringParameters: { limit: '0' },
    });
    expect(bad.statusCode).toBe(400);
    expect((bodyOf(bad).issues as { path: string }[])[0]!.path).toBe('query.limit');
  });

  it('refuses a request without an IAM caller (403) on every schedule route', async () => {
    const w = world();
    for (const routeKey of Object.keys(scheduleRoutes)) {
      const result = await w.call(routeKey, {
        pathParameters: { name: 'nightly-report' },
        body: SPEC,
        caller: null,
      });
      expect({ routeKey, status: result.statusCode }).toEqual({ routeKey, status: 403 });
    }
  });

  it('answers 404 on every schedule route where schedules are not configured', async () => {
    const w = world({ scheduling: false });
    const result = await w.call('GET /schedules');
    expect(result.statusCode).toBe(404);
    expect(bodyOf(result).message).toBe('schedules are not configured on this API');
  });
});
