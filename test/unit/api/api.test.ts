import type { Context } from 'aws-lambda';
import { createApiHandler, handleApiRequest, type ApiDeps } from '../../../functions/api/api';
import { MAX_BODY_BYTES } from '../../../functions/api/http';
import { deploymentIdFor } from '../../../functions/deploy/start';
import type { DeploymentRecord } from '../../../shared/domain/deployment';
import { ThrottlingError } from '../../../shared/domain/errors';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { ManualClock, MemoryStore, silentLogger } from '../../support/memory-ports';
import type { RunningDeployment } from '../../../shared/ports/deployment-lookup';
import { expectDocumented } from '../../support/openapi-check';
import { apiEvent, bodyOf, CALLER } from '../../fixtures/api-events';
import { parseSpec, specFor } from '../../fixtures/spec';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function world() {
  const runs: { id: string; input: Record<string, unknown> }[] = [];
  const finishers = new Map<string, (ok: boolean) => void>();
  const executions = new LocalExecutions((id, input) => {
    runs.push({ id, input: input as Record<string, unknown> });
    return new Promise<boolean>((resolve) => finishers.set(id, resolve));
  });
  /** Lock holders by `cluster/service`. */
  const locks = new Map<string, RunningDeployment>();
  const lookups: { cluster: string; service: string }[] = [];
  const store = new MemoryStore();
  const logger = silentLogger();
  const deps: ApiDeps = {
    executions,
    store,
    deployments: {
      runningDeployment: async (ref) => {
        lookups.push({ cluster: ref.cluster, service: ref.service });
        return locks.get(`${ref.cluster}/${ref.service}`) ?? null;
      },
    },
    clock: new ManualClock(NOW),
    logger,
  };
  // Every answer is checked against docs/openapi.json as well as by the test's own expectations.
  const call = async (...args: Parameters<typeof apiEvent>) =>
    expectDocumented(args[0], await handleApiRequest(deps, apiEvent(...args)));
  const finish = async (id: string, ok = true) => {
    finishers.get(id)?.(ok);
    await executions.settled(id);
  };
  return { deps, runs, executions, locks, lookups, store, logger, call, finish };
}

const deployBody = (overrides: Record<string, unknown> = {}) => ({
  image: 'registry/web:2',
  spec: specFor(),
  ...overrides,
});

function record(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: 'web-1',
    service: 'web',
    cluster: 'local',
    image: 'registry/web:2',
    requestedBy: CALLER,
    status: 'IN_PROGRESS',
    liveColor: 'blue',
    newColor: 'green',
    startedAt: NOW - 60_000,
    currentStep: { phase: 'step', index: 0, weight: 10 },
    ...overrides,
  };
}

describe('deploy API: POST /deployments', () => {
  it('starts the deployment (202) with the IAM caller as requester, and links to it', async () => {
    const { call, runs } = world();

    const result = await call('POST /deployments', {
      body: deployBody(),
      headers: { 'idempotency-key': 'k-1' },
    });

    const id = deploymentIdFor('web', 'k-1', NOW);
    expect(result.statusCode).toBe(202);
    expect(bodyOf(result)).toEqual({
      deploymentId: id,
      outcome: 'started',
      links: { self: `/deployments/${id}`, events: `/deployments/${id}/events` },
    });
    expect(result.headers?.location).toBe(`/deployments/${id}`);
    expect(runs).toEqual([{ id, input: { ...deployBody(), deploymentId: id, requestedBy: CALLER } }]);
  });

  it('answers a retry with the same Idempotency-Key with the same deployment (200), running or ended, and never starts a second', async () => {
    const { call, runs, finish } = world();
    const headers = { 'idempotency-key': 'pipeline-run-7' };

    const first = await call('POST /deployments', { body: deployBody(), headers });
    const retry = await call('POST /deployments', { body: deployBody(), headers });
    await finish(String(bodyOf(first).deploymentId));
    const late = await call('POST /deployments', { body: deployBody(), headers });

    expect(first.statusCode).toBe(202);
    expect([retry.statusCode, late.statusCode]).toEqual([200, 200]);
    expect(bodyOf(retry)).toMatchObject({ deploymentId: bodyOf(first).deploymentId, outcome: 'existing' });
    expect(bodyOf(late)).toMatchObject({ deploymentId: bodyOf(first).deploymentId, outcome: 'existing' });
    expect(runs).toHaveLength(1);
  });

  it('starts distinct deployments for requests without a key', async () => {
    const { call, runs } = world();

    const a = await call('POST /deployments', { body: deployBody() });
    const b = await call('POST /deployments', { body: deployBody() });

    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(bodyOf(a).deploymentId).not.toBe(bodyOf(b).deploymentId);
    expect(runs).toHaveLength(2);
  });

  it('refuses a reused key with a different request (409), starting nothing more', async () => {
    const { call, runs } = world();
    const headers = { 'idempotency-key': 'k-2' };
    await call('POST /deployments', { body: deployBody(), headers });

    const other = await call('POST /deployments', { body: deployBody({ image: 'registry/web:3' }), headers });

    expect(other.statusCode).toBe(409);
    expect(bodyOf(other)).toMatchObject({ error: 'IdempotencyConflictError' });
    expect(String(bodyOf(other).message)).toContain('idempotency key "k-2" already started deployment');
    expect(runs).toHaveLength(1);
  });

  it('refuses (409) while another deployment holds the service lock, naming it, and starts nothing', async () => {
    const { call, runs, locks, lookups } = world();
    locks.set('local/web', { id: 'web-older', step: 'STEP_STARTED: step 1 at 10 %' });

    const result = await call('POST /deployments', {
      body: deployBody(),
      headers: { 'idempotency-key': 'k-3' },
    });

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toEqual({
      error: 'ServiceBusyError',
      message:
        'service web (cluster local) is being deployed by web-older (STEP_STARTED: step 1 at 10 %): wait for it to end, or abort it first',
      runningDeployment: 'web-older',
    });
    expect(lookups).toEqual([{ cluster: 'local', service: 'web' }]);
    expect(runs).toHaveLength(0);
  });

  it('finds the running deployment by cluster name when the spec gives the cluster ARN', async () => {
    const { call, runs, locks, lookups } = world();
    locks.set('prod/web', { id: 'web-older', step: null });
    const spec = { ...specFor(), cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod' };

    const result = await call('POST /deployments', { body: deployBody({ spec }) });

    expect(result.statusCode).toBe(409);
    expect(lookups).toEqual([{ cluster: 'prod', service: 'web' }]);
    expect(runs).toHaveLength(0);
  });

  it('answers a retry while its own deployment holds the lock, or after a newer one took it, with that deployment', async () => {
    const { call, runs, locks, finish } = world();
    const headers = { 'idempotency-key': 'k-4' };
    const first = bodyOf(await call('POST /deployments', { body: deployBody(), headers }));
    locks.set('local/web', { id: String(first.deploymentId), step: null });

    const whileRunning = await call('POST /deployments', { body: deployBody(), headers });
    await finish(String(first.deploymentId), false);
    locks.set('local/web', { id: 'web-newer', step: null });
    const afterwards = await call('POST /deployments', { body: deployBody(), headers });

    expect([whileRunning.statusCode, afterwards.statusCode]).toEqual([200, 200]);
    expect(bodyOf(afterwards).deploymentId).toBe(first.deploymentId);
    expect(runs).toHaveLength(1);
  });

  it('takes the requester from IAM only: a requestedBy in the body is refused (400)', async () => {
    const { call, runs } = world();

    const result = await call('POST /deployments', { body: deployBody({ requestedBy: 'someone-else' }) });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({
      error: 'InvalidInputError',
      issues: [
        { path: 'requestedBy', message: "set from the caller's IAM identity; remove it from the body" },
      ],
    });
    expect(runs).toHaveLength(0);
  });

  it('refuses an invalid request (400) with issues naming each bad field', async () => {
    const { call, runs } = world();
    const spec = { ...specFor(), plan: { steps: [{ weight: 50 }, { weight: 10 }] } };

    const result = await call('POST /deployments', { body: { image: 'has space', spec } });

    expect(result.statusCode).toBe(400);
    const issues = bodyOf(result).issues as { path: string }[];
    expect(issues.map((i) => i.path).sort()).toEqual(['image', 'spec.plan.steps[1].weight']);
    expect(runs).toHaveLength(0);
  });

  it.each([
    ['malformed JSON', '{"image": ', 'body: not valid JSON'],
    ['an empty body', '', 'body: expected a JSON object, got an empty body'],
  ])('refuses %s (400)', async (_what, body, message) => {
    const { call, runs } = world();

    const result = await call('POST /deployments', { body });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toBe('InvalidInputError');
    expect(String(bodyOf(result).message)).toContain(message);
    expect((bodyOf(result).issues as { path: string }[])[0]?.path).toBe('body');
    expect(runs).toHaveLength(0);
  });

  it('refuses a body over the size bound (413) before parsing it', async () => {
    const { call, runs } = world();
    const body = JSON.stringify(deployBody({ padding: 'x'.repeat(MAX_BODY_BYTES) }));

    const result = await call('POST /deployments', { body });

    expect(result.statusCode).toBe(413);
    expect(bodyOf(result).error).toBe('PayloadTooLargeError');
    expect(runs).toHaveLength(0);
  });

  it('reads a base64-encoded body', async () => {
    const { call } = world();
    const body = Buffer.from(JSON.stringify(deployBody())).toString('base64');

    const result = await call('POST /deployments', { body, isBase64Encoded: true });

    expect(result.statusCode).toBe(202);
  });

  it('refuses a malformed Idempotency-Key header (400), naming the header', async () => {
    const { call, runs } = world();

    const result = await call('POST /deployments', {
      body: deployBody(),
      headers: { 'idempotency-key': 'has space' },
    });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).issues).toEqual([
      {
        path: 'headers.idempotency-key',
        message: 'expected 1–256 printable ASCII characters without spaces',
      },
    ]);
    expect(runs).toHaveLength(0);
  });

  it('refuses a request without an IAM identity (403)', async () => {
    const { call, runs } = world();

    const result = await call('POST /deployments', { body: deployBody(), caller: null });

    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).error).toBe('ForbiddenError');
    expect(runs).toHaveLength(0);
  });
});

describe('deploy API: reading deployments', () => {
  it('returns the record: status, colors, steps, error, warning, control, approvals', async () => {
    const { call, store } = world();
    const stored = record({
      status: 'ROLLED_BACK',
      lastStep: { phase: 'step', index: 1, weight: 50 },
      error: { error: 'DeploymentRolledBack', cause: 'aborted by alice' },
      warning: 'blue not scaled down',
      control: { action: 'abort', by: CALLER, at: NOW },
      approvedSteps: [0],
    });
    await store.createDeployment(stored);

    const result = await call('GET /deployments/{id}', { pathParameters: { id: 'web-1' } });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual(stored);
  });

  it('says when the current step awaits an approval not given yet', async () => {
    const { call, store } = world();
    const spec = parseSpec({ plan: { steps: [{ weight: 10 }, { weight: 50, approval: true }] } });
    await store.createDeployment(
      record({ id: 'web-1', spec, currentStep: { phase: 'step', index: 0, weight: 10 } }),
    );
    await store.createDeployment(
      record({ id: 'web-2', spec, currentStep: { phase: 'step', index: 1, weight: 50 } }),
    );
    await store.createDeployment(
      record({ id: 'web-3', spec, currentStep: { phase: 'step', index: 1, weight: 50 }, approvedSteps: [1] }),
    );

    const awaiting = async (id: string) =>
      bodyOf(await call('GET /deployments/{id}', { pathParameters: { id } })).awaitingApproval;

    expect([await awaiting('web-1'), await awaiting('web-2'), await awaiting('web-3')]).toEqual([
      undefined,
      true,
      undefined,
    ]);
  });

  it('reports a started deployment whose record Prepare has not written yet as STARTING', async () => {
    const { call } = world();
    const started = bodyOf(await call('POST /deployments', { body: deployBody() }));

    const result = await call('GET /deployments/{id}', {
      pathParameters: { id: String(started.deploymentId) },
    });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ id: started.deploymentId, status: 'STARTING', execution: 'RUNNING' });
  });

  it('answers 404 for an unknown deployment and 400 for an id that cannot be one', async () => {
    const { call } = world();

    const unknown = await call('GET /deployments/{id}', { pathParameters: { id: 'web-404' } });
    const invalid = await call('GET /deployments/{id}', { pathParameters: { id: 'a.b' } });

    expect(unknown.statusCode).toBe(404);
    expect(bodyOf(unknown)).toEqual({ error: 'NotFoundError', message: 'no deployment web-404' });
    expect(invalid.statusCode).toBe(400);
    expect((bodyOf(invalid).issues as { path: string }[])[0]?.path).toBe('path.id');
  });

  it('returns the history, oldest first, and 404 for an unknown deployment', async () => {
    const { call, store } = world();
    await store.createDeployment(record());
    await store.appendEvent('web-1', { at: NOW - 2, type: 'PREPARED', message: 'prepared' });
    await store.appendEvent('web-1', { at: NOW - 1, type: 'LAUNCHED', message: 'launched' });

    const result = await call('GET /deployments/{id}/events', { pathParameters: { id: 'web-1' } });
    const unknown = await call('GET /deployments/{id}/events', { pathParameters: { id: 'web-404' } });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      deploymentId: 'web-1',
      events: [
        { at: NOW - 2, type: 'PREPARED', message: 'prepared' },
        { at: NOW - 1, type: 'LAUNCHED', message: 'launched' },
      ],
    });
    expect(unknown.statusCode).toBe(404);
  });

  it("lists a service's recent deployments, newest first, bounded by ?limit", async () => {
    const { call, store } = world();
    for (let i = 1; i <= 3; i++) await store.createDeployment(record({ id: `web-${i}`, startedAt: NOW + i }));

    const result = await call('GET /services/{service}/deployments', {
      pathParameters: { service: 'web' },
      queryStringParameters: { limit: '2' },
    });
    const badLimit = await call('GET /services/{service}/deployments', {
      pathParameters: { service: 'web' },
      queryStringParameters: { limit: '0' },
    });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      service: 'web',
      deployments: [
        { id: 'web-3', startedAt: NOW + 3 },
        { id: 'web-2', startedAt: NOW + 2 },
      ],
    });
    expect(badLimit.statusCode).toBe(400);
    expect((bodyOf(badLimit).issues as { path: string }[])[0]?.path).toBe('query.limit');
  });
});

describe('deploy API: POST /deployments/{id}/{action}', () => {
  it.each(['promote', 'abort', 'pause', 'resume'] as const)(
    '%s: records the command with the IAM caller (202)',
    async (action) => {
      const { call, store } = world();
      await store.createDeployment(record());

      const result = await call('POST /deployments/{id}/{action}', {
        pathParameters: { id: 'web-1', action },
      });

      expect(result.statusCode).toBe(202);
      expect(bodyOf(result)).toMatchObject({ deploymentId: 'web-1', action, by: CALLER });
      expect((await store.getDeployment('web-1'))?.control).toEqual({ action, by: CALLER, at: NOW });
      expect(store.events.get('web-1')?.map((e) => e.type)).toEqual([`CONTROL_${action.toUpperCase()}`]);
    },
  );

  it('approve: approves the current step', async () => {
    const { call, store } = world();
    await store.createDeployment(record({ currentStep: { phase: 'step', index: 1, weight: 50 } }));

    const result = await call('POST /deployments/{id}/{action}', {
      pathParameters: { id: 'web-1', action: 'approve' },
    });

    expect(result.statusCode).toBe(202);
    expect((bodyOf(result).deployment as DeploymentRecord).approvedSteps).toEqual([1]);
  });

  it('approve: refuses (409) a step that needs no approval, naming the step that will', async () => {
    const { call, store } = world();
    const spec = parseSpec({ plan: { steps: [{ weight: 10 }, { weight: 50, approval: true }] } });
    await store.createDeployment(record({ spec, currentStep: { phase: 'step', index: 0, weight: 10 } }));

    const result = await call('POST /deployments/{id}/{action}', {
      pathParameters: { id: 'web-1', action: 'approve' },
    });

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result).message).toBe(
      'deployment web-1 is at step 1, which needs no approval; step 2 will wait for one: approve when it does',
    );
    expect((await store.getDeployment('web-1'))?.approvedSteps).toBeUndefined();
  });

  it('answers 404 for an unknown deployment, 409 for an ended one, 400 for an unknown action', async () => {
    const { call, store } = world();
    await store.createDeployment(record({ id: 'web-done', status: 'PROMOTED' }));

    const unknown = await call('POST /deployments/{id}/{action}', {
      pathParameters: { id: 'web-404', action: 'abort' },
    });
    const ended = await call('POST /deployments/{id}/{action}', {
      pathParameters: { id: 'web-done', action: 'abort' },
    });
    const badAction = await call('POST /deployments/{id}/{action}', {
      pathParameters: { id: 'web-done', action: 'explode' },
    });

    expect(unknown.statusCode).toBe(404);
    expect(ended.statusCode).toBe(409);
    expect(bodyOf(ended)).toEqual({
      error: 'ServiceStateError',
      message: 'deployment web-done has already ended (PROMOTED): nothing to abort',
    });
    expect(badAction.statusCode).toBe(400);
    expect((bodyOf(badAction).issues as { path: string }[])[0]?.path).toBe('path.action');
  });

  it('refuses a command without an IAM identity (403), changing nothing', async () => {
    const { call, store } = world();
    await store.createDeployment(record());

    const result = await call('POST /deployments/{id}/{action}', {
      pathParameters: { id: 'web-1', action: 'abort' },
      caller: null,
    });

    expect(result.statusCode).toBe(403);
    expect((await store.getDeployment('web-1'))?.control).toBeUndefined();
  });
});

describe('deploy API: errors', () => {
  it('answers throttling with 503 and Retry-After', async () => {
    const { deps } = world();
    deps.executions.status = () => Promise.reject(new ThrottlingError('DescribeExecution: throttled by AWS'));

    const result = await handleApiRequest(
      deps,
      apiEvent('GET /deployments/{id}', { pathParameters: { id: 'x' } }),
    );

    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toBe('5');
    expect(bodyOf(result).error).toBe('ThrottlingError');
  });

  it('answers an unexpected error with 500 naming the request id, never the error, and logs it', async () => {
    const { deps, logger } = world();
    const logged = jest.spyOn(logger, 'error');
    deps.store.getDeployment = () =>
      Promise.reject(new Error('connect ECONNREFUSED 10.0.0.12:443 (internal)'));

    const result = await handleApiRequest(
      deps,
      apiEvent('GET /deployments/{id}', { pathParameters: { id: 'x' } }),
    );

    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({
      error: 'InternalError',
      message: "the request failed; the function's logs have the details (request id req-1)",
    });
    expect(result.body).not.toContain('10.0.0.12');
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('answers 404 for a route it does not serve', async () => {
    const { call } = world();

    const result = await call('DELETE /deployments/{id}', { pathParameters: { id: 'x' } });

    expect(result.statusCode).toBe(404);
  });

  it('runs as a Lambda handler (middy, logger context)', async () => {
    const { deps } = world();
    const handler = createApiHandler(deps);
    const context = { functionName: 'greenlight-ci-api', awsRequestId: 'r-1' } as Context;

    const result = await handler(
      apiEvent('GET /deployments/{id}', { pathParameters: { id: 'web-404' } }),
      context,
    );

    expect(result.statusCode).toBe(404);
  });
});
