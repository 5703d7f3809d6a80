/**
 * Fuzzing the CodePipeline trigger: mutated job events (ids, UserParameters, input artifacts,
 * credentials, continuation tokens) against the real handler (middy, Powertools logger at DEBUG
 * with event logging switched on) on its production adapters with mocked clients: S3 answering
 * with good and broken zips, oversized objects and every kind of error (some quoting the job's
 * access key ID and secret), CodePipeline taking or refusing the result, and deployment records in
 * every state (some whose error quotes a key).
 *
 * For every event: the job gets exactly one PutJobSuccessResult or PutJobFailureResult, or the
 * event has no job id to answer (a clean refusal, logged); a thrown error only when CodePipeline
 * itself refused the result (Lambda then retries), never one that leaves the job hanging; results
 * within CodePipeline's limits; and no artifact credential nor any AWS access key ID in a job
 * result, the returned value, a thrown error or a log line.
 *
 * Seeded: FUZZ_SEED=<seed> replays a run. FUZZ_PIPELINE_RUNS sets the number of events (1,000).
 */
import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { deploymentIdFor } from '../../functions/deploy/start';
import { encodeContinuation } from '../../functions/pipeline/job-result';
import { createPipelineJobHandler, type PipelineJobDeps } from '../../functions/pipeline/pipeline-job';
import { CodePipelineJobs } from '../../shared/aws/codepipeline-jobs';
import { S3Artifacts } from '../../shared/aws/s3-artifacts';
import type { DeploymentRecord } from '../../shared/domain/deployment';
import { createLogger } from '../../shared/lambda';
import { LocalExecutions } from '../../shared/local/sfn/local-executions';
import { JOB_LIMITS } from '../../shared/ports/pipeline-jobs';
import { ManualClock, MemoryStore } from '../support/memory-ports';
import { ARTIFACT_BUCKET, JOB_ID, jobEvent, zipOf } from '../fixtures/codepipeline';
import { parseSpec, specFor } from '../fixtures/spec';

const RUNS = Number(process.env.FUZZ_PIPELINE_RUNS ?? 1000);
// A fixed default seed: `npm test` is repeatable; FUZZ_SEED=<seed> tries (or replays) other cases.
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20261202;
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2';
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/;
const FAILURE_TYPES = new Set([
  'JobFailed',
  'ConfigurationError',
  'PermissionError',
  'RevisionOutOfSync',
  'RevisionUnavailable',
  'SystemUnavailable',
]);

const codePipeline = mockClient(CodePipelineClient);
const s3 = mockClient(S3Client);

// ---- Arbitraries --------------------------------------------------------------------------------

const hostileString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('__proto__', 'constructor', '', ' ', '../x', '/etc/passwd', 'a::', '::b', 'A::../b', '%00'),
  fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'x'.repeat(n)),
);

const credentials = fc.record({
  accessKeyId: fc.stringMatching(/^(AKIA|ASIA)[A-Z0-9]{16}$/),
  secretAccessKey: fc.stringMatching(/^[A-Za-z0-9/+]{40}$/),
  sessionToken: fc.stringMatching(/^[A-Za-z0-9/+=]{60,120}$/),
});
type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

const FILE_PARAMETERS = {
  specFile: 'greenlight.json',
  imageDefinitions: 'BuildOutput::imagedefinitions.json',
};

const userParameters = fc.oneof(
  { weight: 5, arbitrary: fc.constant<unknown>(FILE_PARAMETERS) },
  { weight: 2, arbitrary: fc.constant<unknown>({ spec: specFor(), image: IMAGE }) },
  {
    weight: 3,
    arbitrary: fc
      .dictionary(
        fc.constantFrom(
          'spec',
          'specFile',
          'image',
          'imageDefinitions',
          'artifact',
          'force',
          '__proto__',
          'other',
        ),
        fc.oneof(hostileString, fc.jsonValue({ maxDepth: 3 })),
        { maxKeys: 4 },
      )
      .map((p) => ({ ...FILE_PARAMETERS, ...p }) as unknown),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(hostileString, fc.constant('{bad json'), fc.constant('[]'), fc.constant('null')),
  },
  { weight: 1, arbitrary: fc.constant<unknown>(undefined) },
);

type S3Answer =
  | { kind: 'zip'; files: Record<string, unknown> }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'oversized' }
  | { kind: 'error'; name: string; message: 'plain' | 'quotes-key' | 'quotes-secret'; status: number }
  | { kind: 'network' };

const fileContent = fc.oneof(
  { weight: 6, arbitrary: fc.constant<unknown>(specFor()) },
  { weight: 2, arbitrary: fc.constant<unknown>({ ...specFor(), cluster: 'c'.repeat(2040) }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
  { weight: 1, arbitrary: fc.constant<unknown>('\uFEFF{"a": 1}') },
  { weight: 1, arbitrary: fc.constant<unknown>('x'.repeat(20_000)) },
);
const definitions = fc.oneof(
  { weight: 6, arbitrary: fc.constant<unknown>([{ name: 'app', imageUri: IMAGE }]) },
  { weight: 1, arbitrary: fc.constant<unknown>({ ImageURI: IMAGE }) },
  { weight: 1, arbitrary: fc.constant<unknown>([{ name: 'other', imageUri: IMAGE }]) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const s3Answer: fc.Arbitrary<S3Answer> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        spec: fileContent,
        defs: definitions,
        extra: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9._-]{1,30}$/), fc.string(), { maxKeys: 2 }),
      })
      .map(({ spec, defs, extra }) => ({
        kind: 'zip' as const,
        files: { ...extra, 'greenlight.json': spec, 'imagedefinitions.json': defs },
      })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'oversized' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('error' as const),
      name: fc.constantFrom(
        'NoSuchKey',
        'AccessDenied',
        'InvalidToken',
        'ExpiredToken',
        'InvalidAccessKeyId',
        'SignatureDoesNotMatch',
        'KMS.AccessDeniedException',
        'InternalError',
        'SlowDown',
        'ServiceUnavailable',
        'Weird',
      ),
      message: fc.constantFrom('plain' as const, 'quotes-key' as const, 'quotes-secret' as const),
      status: fc.constantFrom(400, 403, 404, 500, 503),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'network' as const }) },
);

type RecordState =
  'none' | 'IN_PROGRESS' | 'PROMOTED' | 'ROLLED_BACK' | 'REJECTED' | 'ROLLBACK_FAILED' | 'odd';

interface Case {
  jobId: unknown;
  shape: 'job' | 'no-envelope' | 'not-object' | 'no-data';
  userParameters: unknown;
  artifacts: { name: string }[];
  credentials: Credentials | 'missing' | 'partial' | 'wrong-type';
  s3: S3Answer[];
  token: 'none' | 'valid' | 'old' | 'not-json' | 'wrong-shape' | 'huge' | 'hostile';
  hostileToken: string;
  record: RecordState;
  causeQuotesKey: boolean;
  execution: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'NOT_FOUND';
  report: 'ok' | 'closed' | 'fails';
}

const fuzzCase: fc.Arbitrary<Case> = fc.record({
  jobId: fc.oneof(
    { weight: 8, arbitrary: fc.constant<unknown>(JOB_ID) },
    { weight: 2, arbitrary: fc.uuid().map((u) => u as unknown) },
    {
      weight: 1,
      arbitrary: fc.oneof(hostileString, fc.constant<unknown>(undefined), fc.constant<unknown>(42)),
    },
  ),
  shape: fc.constantFrom<Case['shape']>(
    'job',
    'job',
    'job',
    'job',
    'job',
    'job',
    'job',
    'job',
    'no-envelope',
    'not-object',
    'no-data',
  ),
  userParameters,
  artifacts: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constant<{ name: string }[]>([{ name: 'SourceOutput' }, { name: 'BuildOutput' }]),
    },
    { weight: 1, arbitrary: fc.constant<{ name: string }[]>([]) },
    { weight: 1, arbitrary: fc.array(fc.record({ name: hostileString }), { maxLength: 3 }) },
  ),
  credentials: fc.oneof(
    { weight: 8, arbitrary: credentials },
    { weight: 1, arbitrary: fc.constantFrom<Case['credentials']>('missing', 'partial', 'wrong-type') },
  ),
  s3: fc.array(s3Answer, { minLength: 2, maxLength: 2 }),
  token: fc.constantFrom<Case['token']>(
    'none',
    'none',
    'none',
    'valid',
    'valid',
    'old',
    'not-json',
    'wrong-shape',
    'huge',
    'hostile',
  ),
  hostileToken: hostileString,
  record: fc.constantFrom<RecordState>(
    'none',
    'IN_PROGRESS',
    'PROMOTED',
    'ROLLED_BACK',
    'REJECTED',
    'ROLLBACK_FAILED',
    'odd',
  ),
  causeQuotesKey: fc.boolean(),
  execution: fc.constantFrom<Case['execution']>('RUNNING', 'SUCCEEDED', 'FAILED', 'NOT_FOUND'),
  report: fc.constantFrom<Case['report']>('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'closed', 'fails'),
});

const DEPLOYMENT_ID = deploymentIdFor('web', JOB_ID, 0);

function tokenOf(c: Case): string | undefined {
  switch (c.token) {
    case 'none':
      return undefined;
    case 'valid':
      return encodeContinuation({ deploymentId: DEPLOYMENT_ID, startedAt: NOW - 60_000 });
    case 'old':
      return encodeContinuation({ deploymentId: DEPLOYMENT_ID, startedAt: NOW - 3_600_000 });
    case 'not-json':
      return 'web-1 not json';
    case 'wrong-shape':
      return JSON.stringify({ deploymentId: '../x', startedAt: -1, extra: true });
    case 'huge':
      return 'x'.repeat(5_000);
    case 'hostile':
      return c.hostileToken;
  }
}

function eventOf(c: Case): unknown {
  if (c.shape === 'not-object') return [null, 'text', 42, []][c.hostileToken.length % 4];
  const creds =
    c.credentials === 'missing'
      ? {}
      : c.credentials === 'partial'
        ? { accessKeyId: 'ASIAPARTIALKEYID0001' }
        : c.credentials === 'wrong-type'
          ? 'ASIAWRONGTYPEKEY0001'
          : c.credentials;
  const event = jobEvent({
    userParameters: c.userParameters,
    artifacts: c.artifacts,
    credentials: creds,
    ...(tokenOf(c) !== undefined ? { continuationToken: tokenOf(c)! } : {}),
  }) as { 'CodePipeline.job': Record<string, unknown> };
  const job = event['CodePipeline.job'];
  if (c.jobId === undefined) delete job.id;
  else job.id = c.jobId;
  if (c.shape === 'no-data') delete job.data;
  if (c.shape === 'no-envelope') return { 'CodePipeline.Job': job, other: true };
  return event;
}

/** The secrets of the case: none may appear anywhere the handler writes. */
function secretsOf(c: Case): string[] {
  const extra = ['ASIAPARTIALKEYID0001', 'ASIAWRONGTYPEKEY0001'];
  return typeof c.credentials === 'object'
    ? [c.credentials.accessKeyId, c.credentials.secretAccessKey, c.credentials.sessionToken, ...extra]
    : extra;
}

function s3Error(answer: Extract<S3Answer, { kind: 'error' }>, c: Case): Error {
  const creds =
    typeof c.credentials === 'object'
      ? c.credentials
      : { accessKeyId: 'AKIAUNRELATEDKEY0001', secretAccessKey: 'unrelated-secret-key-0123456789abcdefghij' };
  const message =
    answer.message === 'plain'
      ? 'The request failed'
      : answer.message === 'quotes-key'
        ? `The AWS Access Key Id ${creds.accessKeyId} you provided is not valid for this request`
        : `Signature computed with ${creds.secretAccessKey} does not match`;
  return Object.assign(new Error(message), {
    name: answer.name,
    $fault: answer.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: answer.status },
  });
}

function record(c: Case): DeploymentRecord | null {
  if (c.record === 'none') return null;
  const cause = c.causeQuotesKey
    ? `ECS refused the request signed with AKIAEXAMPLEKEYID0001`
    : 'the gate saw 5xx above the threshold';
  return {
    id: DEPLOYMENT_ID,
    service: 'web',
    cluster: 'local',
    image: IMAGE,
    requestedBy: `CodePipeline job ${JOB_ID}`,
    status: (c.record === 'odd' ? 'WEIRD' : c.record) as DeploymentRecord['status'],
    liveColor: 'blue',
    newColor: 'green',
    startedAt: NOW - 60_000,
    spec: parseSpec(),
    currentStep: { phase: 'step', index: 0, weight: 5 },
    ...(c.record !== 'IN_PROGRESS' ? { error: { error: 'GateFailed', cause }, warning: cause } : {}),
  };
}

// ---- The run ------------------------------------------------------------------------------------

describe('CodePipeline trigger fuzz (seeded; FUZZ_SEED replays a run)', () => {
  let logEventBefore: string | undefined;
  beforeAll(() => {
    logEventBefore = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  });
  afterAll(() => {
    if (logEventBefore === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    else process.env.POWERTOOLS_LOGGER_LOG_EVENT = logEventBefore;
  });

  it(`answers ${RUNS} mutated job events, never hanging a job nor leaking a credential`, async () => {
    const context = { functionName: 'greenlight-fuzz-pipeline', awsRequestId: 'fuzz-1' } as Context;
    const logger = createLogger({ logLevel: 'DEBUG', serviceName: 'greenlight-pipeline' });
    let logged: string[] = [];
    const capture = (chunk: unknown) => {
      logged.push(String(chunk));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    const outcomes = new Map<string, number>();
    try {
      await fc.assert(
        fc.asyncProperty(fuzzCase, async (c) => {
          logged = [];
          codePipeline.reset();
          s3.reset();
          const closed = Object.assign(new Error('job closed'), { name: 'InvalidJobStateException' });
          const refused = Object.assign(new Error(`CodePipeline is down for ${'AKIAREPORTKEYID00001'}`), {
            name: 'InternalServerError',
            $fault: 'server',
            $metadata: { httpStatusCode: 500 },
          });
          const answer = (on: { resolves(v: object): unknown; rejects(e: Error): unknown }) =>
            c.report === 'ok' ? on.resolves({}) : on.rejects(c.report === 'closed' ? closed : refused);
          answer(codePipeline.on(PutJobSuccessResultCommand));
          answer(codePipeline.on(PutJobFailureResultCommand));
          c.artifacts.forEach((artifact, i) => {
            const answer = c.s3[i % c.s3.length]!;
            const key = `web-pipeline/${artifact.name}/Xk3p9Qz`;
            const on = s3.on(GetObjectCommand, { Bucket: ARTIFACT_BUCKET, Key: key });
            if (answer.kind === 'zip') {
              const zip = zipOf(answer.files as Record<string, unknown>);
              on.resolves({ Body: zip as never, ContentLength: zip.length });
            } else if (answer.kind === 'bytes') on.resolves({ Body: answer.bytes as never });
            else if (answer.kind === 'oversized')
              on.resolves({ Body: new Uint8Array(10) as never, ContentLength: 10 ** 9 });
            else if (answer.kind === 'network')
              on.rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
            else on.rejects(s3Error(answer, c));
          });
          const store = new MemoryStore();
          const stored = record(c);
          if (stored) await store.createDeployment(stored);
          const executions = new LocalExecutions(() => new Promise<boolean>(() => undefined));
          const status = c.execution;
          executions.status = async () => status;
          const deps: PipelineJobDeps = {
            executions,
            store,
            jobs: new CodePipelineJobs({ client: new CodePipelineClient({ region: 'eu-west-1' }) }),
            artifacts: new S3Artifacts({ region: 'eu-west-1' }),
            clock: new ManualClock(NOW),
            logger,
            limits: { maxArtifactBytes: 256 * 1024, maxFileBytes: 16 * 1024 },
          };
          const handler = createPipelineJobHandler(deps);
          const event = eventOf(c);

          let result: unknown;
          let thrown: Error | undefined;
          try {
            result = await handler(event, context);
          } catch (error) {
            thrown = error as Error;
          }

          const successes = codePipeline.commandCalls(PutJobSuccessResultCommand).map((x) => x.args[0].input);
          const failures = codePipeline.commandCalls(PutJobFailureResultCommand).map((x) => x.args[0].input);
          const reports = successes.length + failures.length;
          const outcome = thrown ? `thrown ${thrown.name}` : (result as { outcome: string }).outcome;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

          if (thrown) {
            // Only a result CodePipeline refused is thrown (Lambda retries the invocation).
            expect(c.report).toBe('fails');
            expect(reports).toBe(1);
          } else if ((result as { outcome: string }).outcome === 'unanswerable') {
            expect(reports).toBe(0);
            const id = (event as { 'CodePipeline.job'?: { id?: unknown } } | null)?.['CodePipeline.job']?.id;
            expect(typeof id === 'string' && /^[A-Za-z0-9-]{1,128}$/.test(id)).toBe(false);
          } else {
            expect(reports).toBe(1);
          }
          for (const input of [...successes, ...failures]) expect(input.jobId).toBe(c.jobId);
          for (const f of failures) {
            expect(FAILURE_TYPES.has(String(f.failureDetails?.type))).toBe(true);
            expect((f.failureDetails?.message ?? '').length).toBeLessThanOrEqual(JOB_LIMITS.failureMessage);
          }
          for (const s of successes) {
            expect((s.executionDetails?.summary ?? '').length).toBeLessThanOrEqual(JOB_LIMITS.summary);
            expect((s.continuationToken ?? '').length).toBeLessThanOrEqual(JOB_LIMITS.continuationToken);
          }

          const output = [
            JSON.stringify(successes),
            JSON.stringify(failures),
            JSON.stringify(result ?? null),
            thrown ? `${thrown.message}\n${thrown.stack ?? ''}` : '',
            logged.join(''),
          ].join('\n');
          for (const secret of secretsOf(c)) expect(output).not.toContain(secret);
          expect(output).not.toMatch(ACCESS_KEY_ID);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    } finally {
      spies.forEach((s) => s.mockRestore());
      process.stdout.write(
        `pipeline fuzz: seed ${SEED}, ${RUNS} events, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}\n`,
      );
    }
    // The run reached every kind of answer.
    for (const outcome of ['started', 'running', 'succeeded', 'failed', 'unanswerable']) {
      expect(outcomes.get(outcome) ?? 0).toBeGreaterThan(0);
    }
  }, 240_000);
});
