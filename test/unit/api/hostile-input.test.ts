/**
 * Hostile input the deploy API used to mishandle, each pinned: a lock key longer than DynamoDB
 * takes, caller ARNs longer than 256 characters, reads without an IAM identity, REST API (v1)
 * events, and refusals logged without their reason.
 */
import type { Context } from 'aws-lambda';
import { createApiHandler, handleApiRequest, type ApiDeps } from '../../../functions/api/api';
import { controlDeployment } from '../../../functions/deploy/control';
import { DeployRequestSchema, type DeploymentRecord } from '../../../shared/domain/deployment';
import {
  DYNAMODB_PARTITION_KEY_MAX_BYTES,
  IAM_ARN_MAX_LENGTH,
  LOCK_KEY_PREFIX,
  lockKeyBytes,
  utf8Bytes,
} from '../../../shared/domain/request-limits';
import { lockKey } from '../../../shared/domain/deployment';
import { SpecSchema } from '../../../shared/domain/spec';
import { parseInput } from '../../../shared/domain/validation';
import { createLogger } from '../../../shared/lambda';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { ManualClock, MemoryStore, silentLogger } from '../../support/memory-ports';
import { apiEvent, bodyOf, CALLER } from '../../fixtures/api-events';
import { specFor } from '../../fixtures/spec';
import fc from 'fast-check';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

/** DynamoDB's answer to a key over 2,048 bytes (simulated: DynamoDB throws a ValidationException). */
class KeyTooLongError extends Error {
  override name = 'ValidationException';
}

function world(logger = silentLogger()) {
  const runs: { id: string; input: Record<string, unknown> }[] = [];
  const executions = new LocalExecutions((id, input) => {
    runs.push({ id, input: input as Record<string, unknown> });
    return new Promise<boolean>(() => undefined);
  });
  const store = new MemoryStore();
  const deps: ApiDeps = {
    executions,
    store,
    deployments: {
      // As DynamoDeploymentLookup's GetItem on `LOCK#<cluster>/<service>`: DynamoDB refuses long keys.
      runningDeployment: async ({ cluster, service }) => {
        if (utf8Bytes(`LOCK#${cluster}/${service}`) > 2048) {
          throw new KeyTooLongError(
            'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
          );
        }
        return null;
      },
    },
    clock: new ManualClock(NOW),
    logger,
  };
  const call = (...args: Parameters<typeof apiEvent>) => handleApiRequest(deps, apiEvent(...args));
  return { deps, runs, store, call };
}

/** The longest cluster name whose lock key fits, for service `web`. */
const MAX_CLUSTER = DYNAMODB_PARTITION_KEY_MAX_BYTES - utf8Bytes(`${LOCK_KEY_PREFIX}/web`);

describe('spec.cluster: the lock key must fit a DynamoDB partition key', () => {
  it('refuses (400, naming spec.cluster) a cluster whose lock key passes 2,048 bytes, instead of a 500', async () => {
    const { call, runs } = world();

    const result = await call('POST /deployments', {
      body: { image: 'registry/web:2', spec: specFor({ cluster: 'c'.repeat(MAX_CLUSTER + 1) }) },
    });

    expect(result.statusCode).toBe(400);
    const body = bodyOf(result) as { issues: { path: string; message: string }[] };
    expect(body.issues.map((i) => i.path)).toEqual(['spec.cluster']);
    expect(body.issues[0]!.message).toContain(`at most ${MAX_CLUSTER} fit`);
    expect(runs).toEqual([]);
  });

  it('accepts the longest cluster that fits, and counts the name of a cluster ARN only', async () => {
    const { call } = world();
    // 2,044 characters: its lock key fits by the cluster's name (2,009 bytes), not by the whole ARN.
    const arn = `arn:aws:ecs:eu-west-1:123456789012:cluster/${'c'.repeat(2000)}`;

    const atLimit = await call('POST /deployments', {
      body: { image: 'registry/web:2', spec: specFor({ cluster: 'c'.repeat(MAX_CLUSTER) }) },
    });
    const asArn = await call('POST /deployments', {
      body: { image: 'registry/web:3', spec: specFor({ cluster: arn }) },
    });

    expect(atLimit.statusCode).toBe(202);
    expect(asArn.statusCode).toBe(202);
  });

  it('measures exactly the key the store writes (lockKey), whatever the cluster and service', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 60 }),
          fc.string({ maxLength: 60 }).map((n) => `arn:aws:ecs:eu-west-1:123456789012:cluster/${n}`),
        ),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        (cluster, service) => {
          const key = `${LOCK_KEY_PREFIX}${lockKey({ cluster, service })}`;
          expect(lockKeyBytes(cluster, service)).toBe(Buffer.byteLength(key, 'utf8'));
        },
      ),
    );
  });

  it('counts UTF-8 bytes as DynamoDB does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(utf8Bytes(text)).toBe(Buffer.byteLength(text, 'utf8'));
      }),
    );
  });

  it('the spec schema names the field and the room left for the service', () => {
    const long = { ...specFor({ service: 'w'.repeat(128) }), cluster: 'c'.repeat(2000) };
    const parsed = SpecSchema.safeParse(long);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path)).toEqual([['cluster']]);
    expect(parsed.error!.issues[0]!.message).toContain(`at most ${2048 - 5 - 1 - 128} fit`);
  });
});

describe('caller ARNs up to IAM’s limit', () => {
  // An IAM user with a 512-character path: `arn:aws:iam::ACCOUNT:user/PATH/NAME`.
  const LONG_CALLER = `arn:aws:iam::123456789012:user/${'team/'.repeat(102)}ops/alice`;

  it('starts a deployment Prepare accepts, and lets the same caller control it', async () => {
    expect(LONG_CALLER.length).toBeGreaterThan(512);
    const { call, runs, store, deps } = world();

    const started = await call('POST /deployments', {
      body: { image: 'registry/web:2', spec: specFor() },
      caller: LONG_CALLER,
    });

    expect(started.statusCode).toBe(202);
    // What Prepare parses first: the execution's input.
    const request = parseInput(DeployRequestSchema, runs[0]!.input);
    expect(request.requestedBy).toBe(LONG_CALLER);
    const record: DeploymentRecord = {
      id: request.deploymentId,
      service: 'web',
      cluster: 'local',
      image: request.image,
      requestedBy: request.requestedBy,
      status: 'IN_PROGRESS',
      startedAt: NOW,
      currentStep: { phase: 'step', index: 0, weight: 5 },
    };
    await store.createDeployment(record);
    const paused = await call('POST /deployments/{id}/{action}', {
      pathParameters: { id: request.deploymentId, action: 'pause' },
      caller: LONG_CALLER,
    });
    expect(paused.statusCode).toBe(202);
    expect((await store.getDeployment(request.deploymentId))?.control?.by).toBe(LONG_CALLER);
    // The control step itself (as the CLI's commands reach it) takes the same bound.
    await expect(
      controlDeployment(deps, { deploymentId: request.deploymentId, action: 'resume', by: LONG_CALLER }),
    ).resolves.toBeDefined();
  });

  it('refuses (403) an identity longer than any ARN IAM issues, before anything starts', async () => {
    const { call, runs } = world();

    const result = await call('POST /deployments', {
      body: { image: 'registry/web:2', spec: specFor() },
      caller: `arn:aws:iam::123456789012:user/${'x'.repeat(IAM_ARN_MAX_LENGTH)}`,
    });

    expect(result.statusCode).toBe(403);
    expect(runs).toEqual([]);
  });
});

describe('every route needs an IAM identity', () => {
  const ROUTES: [string, Record<string, string>][] = [
    ['GET /deployments/{id}', { id: 'web-1' }],
    ['GET /deployments/{id}/events', { id: 'web-1' }],
    ['GET /services/{service}/deployments', { service: 'web' }],
    ['POST /deployments', {}],
    ['POST /deployments/{id}/{action}', { id: 'web-1', action: 'abort' }],
  ];

  it.each(ROUTES)('%s refuses a request without one (403) and reads nothing', async (routeKey, params) => {
    const { call, store, deps } = world();
    await store.createDeployment({
      id: 'web-1',
      service: 'web',
      cluster: 'local',
      image: 'registry/web:2',
      requestedBy: CALLER,
      status: 'IN_PROGRESS',
      startedAt: NOW,
    });
    const reads = jest.spyOn(deps.store, 'getDeployment');

    const result = await call(routeKey, { pathParameters: params, caller: null });

    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).error).toBe('ForbiddenError');
    expect(reads).not.toHaveBeenCalled();
  });
});

describe('events other than HTTP API payload 2.0', () => {
  /** A REST API (v1) proxy event with IAM auth, as API Gateway sends it. */
  const restEvent = {
    resource: '/deployments/{id}',
    path: '/deployments/web-1',
    httpMethod: 'GET',
    headers: { host: 'abc.execute-api.eu-west-1.amazonaws.com' },
    pathParameters: { id: 'web-1' },
    requestContext: {
      requestId: 'rest-1',
      identity: { userArn: CALLER, accessKey: 'ASIAEXAMPLE' },
      httpMethod: 'GET',
      resourcePath: '/deployments/{id}',
    },
    body: null,
    isBase64Encoded: false,
  };

  it('answers 400 saying only payload 2.0 is supported, not 404 "no route undefined"', async () => {
    const { deps } = world();

    const result = await handleApiRequest(deps, restEvent as never);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).message).toMatch(/only API Gateway HTTP API events of payload format 2\.0/);
    expect(result.body).not.toContain('undefined');
  });

  it.each([null, 'text', 42, [], {}, { version: '1.0', routeKey: 'GET /deployments/{id}' }])(
    'answers 400 for %p',
    async (event) => {
      const { deps } = world();
      const result = await handleApiRequest(deps, event as never);
      expect(result.statusCode).toBe(400);
    },
  );
});

describe('refusals are logged with their reason', () => {
  it('writes the reason under `reason` (Powertools keeps `message` for the line itself)', async () => {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    try {
      const { deps } = world(createLogger({ logLevel: 'DEBUG', serviceName: 'greenlight' }));
      const handler = createApiHandler(deps);
      const context = { functionName: 'greenlight-ci-api', awsRequestId: 'r-1' } as Context;
      await handler(
        apiEvent('POST /deployments', { body: { image: 'registry/web:2', spec: { service: 'bad name' } } }),
        context,
      );
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    const refused = lines
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === 'request refused');
    expect(refused).toBeDefined();
    expect(refused!.reason).toEqual(expect.stringContaining('spec.service'));
    expect(refused!.status).toBe(400);
  });

  it('scrubs AWS access key IDs from the refusal it returns and logs', async () => {
    const warn = jest.fn();
    const { deps } = world();
    deps.logger = { ...silentLogger(), warn, info: jest.fn(), error: jest.fn() } as never;

    const result = await handleApiRequest(
      deps,
      apiEvent('POST /deployments', {
        body: { image: 'registry/web:2', spec: specFor(), AKIAIOSFODNN7EXAMPLE: 'x' },
      }),
    );

    expect(result.statusCode).toBe(400);
    expect(result.body).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(result.body).toContain('[redacted: credential]');
    expect(JSON.stringify(warn.mock.calls)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });
});
