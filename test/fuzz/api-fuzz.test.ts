/**
 * Fuzzing the deploy API: thousands of generated API Gateway payload 2.0 events (random routes,
 * methods, path and query parameters, headers, bodies — JSON, non-JSON, nested, huge, polluted
 * `__proto__` —, base64 encodings, identities present, missing or over-long, and a few events of
 * other shapes) against the real handler (middy, Powertools logger at DEBUG with event logging
 * switched on) over the production DynamoStore and DynamoDeploymentLookup on dynalite.
 *
 * For every request: no 5xx (nothing a client sends is the server's fault), a JSON answer, no
 * state changed by a rejected request (the whole table scanned before and after, and no execution
 * started), no prototype polluted, and no credential — the planted SigV4 header, session token and
 * access key, or any AWS access key ID — in any response or log line.
 *
 * Seeded: FUZZ_SEED=<seed> replays a run (fast-check prints the seed and the failing case).
 * FUZZ_API_RUNS sets the number of events (default 5,000).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { createApiHandler, type ApiDeps, type ApiEvent } from '../../functions/api/api';
import { MAX_BODY_BYTES } from '../../functions/api/http';
import { API_ROUTES } from '../../functions/api/routes';
import { DynamoDeploymentLookup } from '../../shared/aws/dynamo-deployment-lookup';
import { DynamoStore } from '../../shared/aws/dynamo-store';
import type { DeploymentRecord } from '../../shared/domain/deployment';
import { DYNAMODB_PARTITION_KEY_MAX_BYTES, IAM_ARN_MAX_LENGTH } from '../../shared/domain/request-limits';
import { createLogger } from '../../shared/lambda';
import { startDynalite, type LocalDynamo } from '../../shared/local/dynamodb/dynalite';
import { LocalExecutions } from '../../shared/local/sfn/local-executions';
import { ManualClock } from '../support/memory-ports';
import { specFor } from '../fixtures/spec';

const RUNS = Number(process.env.FUZZ_API_RUNS ?? 5000);
// A fixed default seed: `npm test` is repeatable; FUZZ_SEED=<seed> tries (or replays) other cases.
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20261202;
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

// ---- Planted secrets: none of them may appear in a response or a log line ----------------------

const PLANTED_ACCESS_KEY = 'ASIAFUZZPLANTEDKEY01';
const PLANTED_SECRET = 'fuzzPlantedSecretAccessKey/DO+NOT+LOG/0123456789';
const PLANTED_TOKEN = 'IQoJb3JpZ2luX2VjEFUZZPLANTEDSESSIONTOKEN-DO-NOT-LOG';
const PLANTED_SIGNATURE = 'f'.repeat(23) + 'fuzzplantedsignature' + '0'.repeat(21);
const PLANTED = [PLANTED_ACCESS_KEY, PLANTED_SECRET, PLANTED_TOKEN, PLANTED_SIGNATURE];
/**
 * An access key ID a client puts in what it sends: its own data may come back to it in an answer
 * to a valid request, never in a refusal (which may quote it) or a log line.
 */
const CLIENT_ACCESS_KEY = 'AKIAFUZZCLIENTKEY001';
/** Any AWS access key ID (the pattern the scrubber removes). */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/;

// ---- The seeded table ---------------------------------------------------------------------------

const CALLER = 'arn:aws:sts::123456789012:assumed-role/deployer/alice';
const IDS = ['web-running', 'web-waiting', 'web-done', 'api-running'];

function seededRecords(): DeploymentRecord[] {
  const base = {
    cluster: 'prod',
    image: 'registry/web:1',
    requestedBy: CALLER,
    liveColor: 'blue' as const,
    newColor: 'green' as const,
    startedAt: NOW - 60_000,
  };
  return [
    {
      ...base,
      id: 'web-running',
      service: 'web',
      status: 'IN_PROGRESS',
      currentStep: { phase: 'step', index: 0, weight: 5 },
    },
    { ...base, id: 'web-done', service: 'web', status: 'PROMOTED', endedAt: NOW - 1_000 },
    {
      ...base,
      id: 'api-running',
      service: 'api',
      status: 'IN_PROGRESS',
      currentStep: { phase: 'bake', index: 2, weight: 100 },
    },
  ];
}

// ---- Arbitraries --------------------------------------------------------------------------------

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '../../etc/passwd',
    '%00',
    '',
    ' ',
    'null',
    'undefined',
    '${jndi:x}',
    "' OR 1=1 --",
  ),
  fc.integer({ min: 81, max: 5000 }).map((n) => 'x'.repeat(n)),
  fc.constant(`key-${CLIENT_ACCESS_KEY}`),
);

const deploymentId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...IDS) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/) },
  { weight: 2, arbitrary: hostileString },
);

const pathParameters = fc.record(
  {
    id: deploymentId,
    action: fc.oneof(fc.constantFrom('approve', 'promote', 'abort', 'pause', 'resume'), hostileString),
    service: fc.oneof(
      fc.constantFrom('web', 'api', 'nope'),
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
      hostileString,
    ),
  },
  { requiredKeys: [] },
);

const queryStringParameters = fc.option(
  fc.dictionary(
    fc.oneof(fc.constant('limit'), hostileString),
    fc.oneof(
      fc.constantFrom('1', '20', '100', '101', '0', '-1', '1e3', '2.5', 'abc', '', '9'.repeat(400)),
      hostileString,
    ),
    { maxKeys: 4 },
  ),
  { nil: undefined },
);

/** A SigV4 header as API Gateway passes it through: planted so a logged event would show it. */
const AUTHORIZATION = `AWS4-HMAC-SHA256 Credential=${PLANTED_ACCESS_KEY}/20261125/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${PLANTED_SIGNATURE}`;

const headers = fc
  .record(
    {
      'idempotency-key': fc.oneof(fc.stringMatching(/^[\x21-\x7e]{1,256}$/), hostileString),
      'content-type': fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        '',
      ),
      'x-forwarded-for': fc.constantFrom('203.0.113.7', '203.0.113.7, 10.0.0.1'),
      extra: fc.dictionary(
        hostileString.map((s) => s.toLowerCase()),
        hostileString,
        { maxKeys: 3 },
      ),
    },
    { requiredKeys: [] },
  )
  .map(({ extra, ...known }) => ({
    ...extra,
    ...known,
    host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    authorization: AUTHORIZATION,
    'x-amz-security-token': PLANTED_TOKEN,
    'x-amz-date': '20261125T120000Z',
  }));

/** A deeply nested JSON value, as text (generated directly: fast-check's depth is kept small). */
const deeplyNested = fc
  .tuple(fc.integer({ min: 100, max: 10_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth));

/** A deploy body that is valid, or almost. */
const deployBody = fc
  .record({
    service: fc.oneof(
      fc.constantFrom('web', 'api', 'fuzz'),
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
    ),
    cluster: fc.oneof(
      fc.constantFrom('prod', 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod'),
      // Around the lock key's limit: LOCK#<cluster>/<service> against DynamoDB's 2,048 bytes.
      fc.integer({ min: DYNAMODB_PARTITION_KEY_MAX_BYTES - 140, max: 2048 }).map((n) => 'c'.repeat(n)),
    ),
    image: fc.oneof(
      fc.constantFrom('registry/web:2', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2'),
      hostileString,
    ),
    extra: fc.dictionary(
      fc.constantFrom(
        'force',
        'deploymentId',
        'requestedBy',
        '__proto__',
        'constructor',
        'spec2',
        PLANTED_ACCESS_KEY,
      ),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 2 },
    ),
    specPatch: fc.dictionary(
      fc.constantFrom('plan', 'gate', 'alarms', 'bakeSeconds', '__proto__', 'slots', 'unknown'),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 2 },
    ),
  })
  .map(({ service, cluster, image, extra, specPatch }) => {
    const spec = { ...specFor({ service }, { place: { cluster } }), ...specPatch };
    return JSON.stringify({ image, spec, ...extra });
  });

const body: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: deployBody },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.constant(
      '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant(
      JSON.stringify({ image: 'registry/web:2', spec: JSON.parse('{"__proto__": {"polluted": "yes"}}') }),
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: deeplyNested },
  // Huge: just under and over the body limit.
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_BODY_BYTES - 64, max: MAX_BODY_BYTES + 64 })
      .map((n) => JSON.stringify({ pad: 'p'.repeat(n) })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => 'x'.repeat(n * MAX_BODY_BYTES)) },
);

const identity = fc.oneof(
  { weight: 8, arbitrary: fc.constant<unknown>(CALLER) },
  // IAM users with long paths, up to IAM's ARN limit.
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 257, max: IAM_ARN_MAX_LENGTH - 40 })
      .map((n) => `arn:aws:iam::123456789012:user/${'p/'.repeat(Math.floor(n / 2))}bob`),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: IAM_ARN_MAX_LENGTH + 1, max: 10_000 })
      .map((n) => `arn:aws:iam::123456789012:user/${'x'.repeat(n)}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>('', 42, null, {}, ['arn'], 'MISSING-AUTHORIZER', 'MISSING-IAM'),
  },
);

interface Case {
  shape: 'v2' | 'v1' | 'odd';
  routeKey: string;
  pathParameters: Record<string, string>;
  queryStringParameters: Record<string, string> | undefined;
  headers: Record<string, string>;
  body: string | undefined;
  base64: 'no' | 'yes' | 'invalid';
  caller: unknown;
  /** Scan the whole table before and after this request (one in four: a scan costs milliseconds). */
  scanned: boolean;
}

const routeKey = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom<string>(...API_ROUTES) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '$default',
      'DELETE /deployments/{id}',
      'PUT /deployments',
      'GET /',
      'ANY /{proxy+}',
      'GET /deployments',
      '__proto__',
      'constructor',
    ),
  },
  { weight: 1, arbitrary: hostileString },
);

const fuzzCase: fc.Arbitrary<Case> = fc.record({
  shape: fc.constantFrom<Case['shape']>('v2', 'v2', 'v2', 'v2', 'v2', 'v2', 'v2', 'v2', 'v2', 'v1', 'odd'),
  routeKey,
  pathParameters,
  queryStringParameters,
  headers,
  body,
  base64: fc.constantFrom<Case['base64']>('no', 'no', 'no', 'yes', 'invalid'),
  caller: identity,
  scanned: fc.constantFrom(true, false, false, false),
});

/** The event API Gateway (or a misconfigured integration) would hand the function. */
function eventOf(c: Case): unknown {
  if (c.shape === 'odd')
    return [null, 'text', 42, [], {}, { version: '2.0' }][c.body?.length ? c.body.length % 6 : 0];
  const encoded =
    c.body === undefined
      ? undefined
      : c.base64 === 'yes'
        ? Buffer.from(c.body, 'utf8').toString('base64')
        : c.base64 === 'invalid'
          ? `!!${c.body.slice(0, 100)}@@`
          : c.body;
  const [method = 'GET', path = '/'] = c.routeKey.split(' ');
  const iam =
    c.caller === 'MISSING-AUTHORIZER'
      ? undefined
      : c.caller === 'MISSING-IAM'
        ? {}
        : {
            iam: {
              accessKey: PLANTED_ACCESS_KEY,
              accountId: '123456789012',
              callerId: 'AROAEXAMPLE:alice',
              cognitoIdentity: null,
              principalOrgId: 'o-example',
              userArn: c.caller,
              userId: 'AROAEXAMPLE:alice',
            },
          };
  if (c.shape === 'v1') {
    return {
      resource: path,
      path,
      httpMethod: method,
      headers: c.headers,
      pathParameters: c.pathParameters,
      queryStringParameters: c.queryStringParameters ?? null,
      requestContext: {
        requestId: 'fuzz-v1',
        identity: { accessKey: PLANTED_ACCESS_KEY, userArn: c.caller },
      },
      body: encoded ?? null,
      isBase64Encoded: c.base64 !== 'no',
    };
  }
  return {
    version: '2.0',
    routeKey: c.routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: c.headers,
    ...(c.queryStringParameters ? { queryStringParameters: c.queryStringParameters } : {}),
    pathParameters: c.pathParameters,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'fuzz' },
      requestId: 'fuzz-req',
      routeKey: c.routeKey,
      stage: '$default',
      time: '25/Nov/2026:12:00:00 +0000',
      timeEpoch: NOW,
      ...(iam !== undefined ? { authorizer: iam } : {}),
    },
    ...(encoded !== undefined ? { body: encoded } : {}),
    isBase64Encoded: c.base64 !== 'no',
  };
}

// ---- The run ------------------------------------------------------------------------------------

describe('deploy API fuzz (seeded; FUZZ_SEED replays a run)', () => {
  let dynamo: LocalDynamo;
  let logEventBefore: string | undefined;

  beforeAll(async () => {
    dynamo = await startDynalite({ tableName: 'greenlight-fuzz' });
    logEventBefore = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    // Powertools' debug switch that logs every event: the handler must hold with it on.
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  });

  afterAll(async () => {
    if (logEventBefore === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    else process.env.POWERTOOLS_LOGGER_LOG_EVENT = logEventBefore;
    await dynamo?.stop();
  });

  it('takes the longest cluster whose lock key DynamoDB stores, and refuses one byte more (400, not 500)', async () => {
    const tableName = dynamo.tableName;
    const store = new DynamoStore({ client: dynamo.documentClient, tableName });
    const clock = new ManualClock(NOW);
    const deps: ApiDeps = {
      executions: new LocalExecutions(() => new Promise<boolean>(() => undefined)),
      store,
      deployments: new DynamoDeploymentLookup({ client: dynamo.documentClient, tableName, clock }),
      clock,
      logger: createLogger({ logLevel: 'SILENT' }),
    };
    const handler = createApiHandler(deps);
    const longest = DYNAMODB_PARTITION_KEY_MAX_BYTES - 'LOCK#/limit'.length;
    const post = (cluster: string) =>
      handler(
        eventOf({
          shape: 'v2',
          routeKey: 'POST /deployments',
          pathParameters: {},
          queryStringParameters: undefined,
          headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
          body: JSON.stringify({
            image: 'registry/limit:1',
            spec: specFor({ service: 'limit' }, { place: { cluster } }),
          }),
          base64: 'no',
          caller: CALLER,
          scanned: false,
        }) as ApiEvent,
        {} as Context,
      );

    expect((await post('c'.repeat(longest))).statusCode).toBe(202);
    // Prepare's lock, on the same key, is one DynamoDB stores.
    await expect(
      store.acquireLock(`${'c'.repeat(longest)}/limit`, 'limit-1', 60_000, NOW),
    ).resolves.toMatchObject({
      acquired: true,
    });
    const refused = await post('c'.repeat(longest + 1));
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body ?? '{}').issues).toEqual([
      expect.objectContaining({ path: 'spec.cluster' }),
    ]);
  });

  it(`answers ${RUNS} generated events without a 5xx, a state change on refusal, or a leaked credential`, async () => {
    const store = new DynamoStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
    for (const record of seededRecords()) await store.createDeployment(record);
    // One lock held, so that deploys of `web` on `prod` meet a running deployment (409).
    await store.acquireLock('prod/web', 'web-running', 3_600_000, NOW);
    const clock = new ManualClock(NOW);
    let started = 0;
    const executions = new LocalExecutions(() => {
      started += 1;
      return new Promise<boolean>(() => undefined);
    });
    const deps: ApiDeps = {
      executions,
      store,
      deployments: new DynamoDeploymentLookup({
        client: dynamo.documentClient,
        tableName: dynamo.tableName,
        clock,
      }),
      clock,
      logger: createLogger({ logLevel: 'DEBUG', serviceName: 'greenlight-api' }),
    };
    const handler = createApiHandler(deps);
    const context = { functionName: 'greenlight-fuzz-api', awsRequestId: 'fuzz-1' } as Context;

    // Every write the handler sends to DynamoDB, counted as the SDK sends it.
    let writes = 0;
    dynamo.documentClient.middlewareStack.add(
      (next, ctx) => async (args) => {
        if (/Put|Update|Delete|Write/.test(String(ctx.commandName))) writes += 1;
        return next(args);
      },
      { step: 'initialize', name: 'fuzzWriteCounter' },
    );
    const scan = async () => {
      const out = await dynamo.documentClient.send(
        new ScanCommand({ TableName: dynamo.tableName, ConsistentRead: true }),
      );
      return (out.Items ?? [])
        .map((i) => JSON.stringify(i, Object.keys(i).sort()))
        .sort()
        .join('\n');
    };

    // Everything the Powertools logger writes goes to the process's streams.
    let logged: string[] = [];
    const capture = (chunk: unknown) => {
      logged.push(String(chunk));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    const statuses = new Map<number, number>();
    /** The table as the last scan saw it; undefined once an accepted request may have changed it. */
    let snapshot: string | undefined = await scan();
    let scans = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fuzzCase, async (c) => {
          logged = [];
          const startedBefore = started;
          const writesBefore = writes;
          if (c.scanned && snapshot === undefined) {
            snapshot = await scan();
            scans += 1;
          }
          const result = await handler(eventOf(c) as ApiEvent, context);
          const status = result.statusCode ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);

          expect(status).toBeGreaterThanOrEqual(200);
          expect(status).toBeLessThan(500);
          expect(() => JSON.parse(result.body ?? '')).not.toThrow();
          const answer = `${result.body ?? ''}\n${JSON.stringify(result.headers ?? {})}`;
          const logs = logged.join('');
          for (const secret of PLANTED) {
            expect(answer).not.toContain(secret);
            expect(logs).not.toContain(secret);
          }
          expect(logs).not.toMatch(ACCESS_KEY_ID);
          if (status >= 400) expect(answer).not.toMatch(ACCESS_KEY_ID);
          expect(Object.prototype).not.toHaveProperty('polluted');

          if (status >= 400) {
            // A refusal writes nothing and starts nothing; one in four is also checked on the whole table.
            expect(writes).toBe(writesBefore);
            expect(started).toBe(startedBefore);
            if (c.scanned) {
              scans += 1;
              expect(await scan()).toBe(snapshot);
            }
          } else {
            snapshot = undefined;
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    } finally {
      spies.forEach((s) => s.mockRestore());
      process.stdout.write(
        `api fuzz: seed ${SEED}, ${RUNS} events, ${scans} table scans, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`,
      );
    }
    // The run exercised more than refusals: some deploys started and some commands were taken.
    expect(statuses.get(202) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    // The write counter sees the writes of accepted commands (else "no write on refusal" proves nothing).
    expect(writes).toBeGreaterThan(0);
  }, 240_000);
});
