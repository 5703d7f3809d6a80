/**
 * The CodePipeline trigger end to end on its production adapters (S3 and CodePipeline clients
 * mocked), with the rehearsal's executions and an in-memory store.
 */
import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Readable } from 'node:stream';
import { deploymentIdFor } from '../../../functions/deploy/start';
import { encodeContinuation } from '../../../functions/pipeline/job-result';
import {
  createPipelineJobHandler,
  handlePipelineJob,
  type PipelineJobDeps,
} from '../../../functions/pipeline/pipeline-job';
import { CodePipelineJobs } from '../../../shared/aws/codepipeline-jobs';
import { S3Artifacts } from '../../../shared/aws/s3-artifacts';
import type { DeploymentRecord } from '../../../shared/domain/deployment';
import { ThrottlingError } from '../../../shared/domain/errors';
import { createLogger } from '../../../shared/lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { ManualClock, MemoryStore, silentLogger } from '../../support/memory-ports';
import {
  ARTIFACT_BUCKET,
  ARTIFACT_CREDENTIALS,
  JOB_ID,
  jobEvent,
  zipOf,
  type JobEventOptions,
} from '../../fixtures/codepipeline';
import { parseSpec, specFor } from '../../fixtures/spec';

const codePipeline = mockClient(CodePipelineClient);
const s3 = mockClient(S3Client);

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2';
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const DEPLOYMENT_ID = deploymentIdFor('web', JOB_ID, 0);
const FILE_PARAMETERS = {
  specFile: 'greenlight.json',
  imageDefinitions: 'BuildOutput::imagedefinitions.json',
};

/** Artifacts by name, served from the mocked S3 at the keys the fixture events use. */
function serveArtifacts(artifacts: Record<string, Uint8Array>): void {
  for (const [name, zip] of Object.entries(artifacts)) {
    s3.on(GetObjectCommand, { Bucket: ARTIFACT_BUCKET, Key: `web-pipeline/${name}/Xk3p9Qz` }).callsFake(
      () => ({
        Body: Readable.from([zip]),
        ContentLength: zip.length,
      }),
    );
  }
}

const standardArtifacts = () =>
  serveArtifacts({
    SourceOutput: zipOf({ 'greenlight.json': specFor(), 'README.md': '# web' }),
    BuildOutput: zipOf({ 'imagedefinitions.json': [{ name: 'app', imageUri: IMAGE }] }),
  });

function world(overrides: Partial<PipelineJobDeps> = {}) {
  const runs: { id: string; input: unknown }[] = [];
  const executions = new LocalExecutions((id, input) => {
    runs.push({ id, input });
    return new Promise<boolean>(() => undefined);
  });
  const store = new MemoryStore();
  const clock = new ManualClock(NOW);
  const deps: PipelineJobDeps = {
    executions,
    store,
    jobs: new CodePipelineJobs({ client: new CodePipelineClient({ region: 'eu-west-1' }) }),
    artifacts: new S3Artifacts({ region: 'eu-west-1' }),
    clock,
    logger: silentLogger(),
    ...overrides,
  };
  return { deps, runs, store, clock };
}

const successes = () => codePipeline.commandCalls(PutJobSuccessResultCommand).map((c) => c.args[0].input);
const failures = () => codePipeline.commandCalls(PutJobFailureResultCommand).map((c) => c.args[0].input);

/** The one failure reported, after checking nothing else was. */
function onlyFailure() {
  expect(successes()).toEqual([]);
  expect(failures()).toHaveLength(1);
  return failures()[0]!;
}

function inProgressRecord(patch: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: DEPLOYMENT_ID,
    service: 'web',
    cluster: 'local',
    image: IMAGE,
    requestedBy: `CodePipeline job ${JOB_ID}`,
    status: 'IN_PROGRESS',
    liveColor: 'blue',
    newColor: 'green',
    startedAt: NOW,
    spec: parseSpec(),
    ...patch,
  };
}

const reinvocation = (startedAt = NOW, options: JobEventOptions = {}) =>
  jobEvent({
    userParameters: FILE_PARAMETERS,
    continuationToken: encodeContinuation({ deploymentId: DEPLOYMENT_ID, startedAt }),
    ...options,
  });

beforeEach(() => {
  codePipeline.reset();
  s3.reset();
  codePipeline.on(PutJobSuccessResultCommand).resolves({});
  codePipeline.on(PutJobFailureResultCommand).resolves({});
});

describe('handlePipelineJob: the first invocation', () => {
  it('starts the deployment from the artifacts and answers in progress with a continuation token', async () => {
    // Prepare
    standardArtifacts();
    const { deps, runs } = world();

    // Act
    const result = await handlePipelineJob(deps, jobEvent({ userParameters: FILE_PARAMETERS }));

    // Assess
    expect(result).toEqual({
      outcome: 'started',
      jobId: JOB_ID,
      deploymentId: DEPLOYMENT_ID,
      report: 'reported',
    });
    expect(runs).toEqual([
      {
        id: DEPLOYMENT_ID,
        input: {
          deploymentId: DEPLOYMENT_ID,
          image: IMAGE,
          spec: specFor(),
          requestedBy: `CodePipeline job ${JOB_ID}`,
        },
      },
    ]);
    expect(successes()).toEqual([
      {
        jobId: JOB_ID,
        continuationToken: encodeContinuation({ deploymentId: DEPLOYMENT_ID, startedAt: NOW }),
        executionDetails: {
          summary: `deployment ${DEPLOYMENT_ID} started: ${IMAGE}`,
          percentComplete: 0,
          externalExecutionId: DEPLOYMENT_ID,
        },
      },
    ]);
    expect(failures()).toEqual([]);
  });

  it("reads each artifact from the pipeline's bucket with the job's artifact credentials", async () => {
    standardArtifacts();
    const { deps } = world();

    await handlePipelineJob(deps, jobEvent({ userParameters: FILE_PARAMETERS }));

    const calls = s3.commandCalls(GetObjectCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { Bucket: ARTIFACT_BUCKET, Key: 'web-pipeline/SourceOutput/Xk3p9Qz' },
      { Bucket: ARTIFACT_BUCKET, Key: 'web-pipeline/BuildOutput/Xk3p9Qz' },
    ]);
    for (const call of calls) {
      await expect((call.thisValue as S3Client).config.credentials()).resolves.toMatchObject({
        accessKeyId: ARTIFACT_CREDENTIALS.accessKeyId,
        secretAccessKey: ARTIFACT_CREDENTIALS.secretAccessKey,
        sessionToken: ARTIFACT_CREDENTIALS.sessionToken,
      });
    }
  });

  it('returns the same deployment to a retried invocation of the job and never starts a second', async () => {
    standardArtifacts();
    const { deps, runs } = world();
    const event = jobEvent({ userParameters: FILE_PARAMETERS });

    const first = await handlePipelineJob(deps, event);
    const retry = await handlePipelineJob(deps, event);

    expect(retry.deploymentId).toBe(first.deploymentId);
    expect(runs).toHaveLength(1);
    expect(successes().map((s) => s.continuationToken)).toEqual([
      encodeContinuation({ deploymentId: DEPLOYMENT_ID, startedAt: NOW }),
      encodeContinuation({ deploymentId: DEPLOYMENT_ID, startedAt: NOW }),
    ]);
  });

  it('downloads an artifact once for the spec and the image definitions it both holds', async () => {
    serveArtifacts({
      SourceOutput: zipOf({
        'deploy/greenlight.json': specFor(),
        'imagedefinitions.json': [{ name: 'app', imageUri: IMAGE }],
      }),
    });
    const { deps, runs } = world();

    await handlePipelineJob(
      deps,
      jobEvent({
        userParameters: {
          specFile: 'deploy/greenlight.json',
          imageDefinitions: 'imagedefinitions.json',
          force: true,
        },
      }),
    );

    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    expect(runs[0]?.input).toMatchObject({ image: IMAGE, force: true });
  });

  it('takes the image of an ECR source action (imageDetail.json) from the artifact named in UserParameters', async () => {
    serveArtifacts({
      SourceOutput: zipOf({ 'greenlight.json': specFor() }),
      ImageOutput: zipOf({ 'imageDetail.json': { ImageURI: `${IMAGE}@sha256:3d5f`, ImageTags: ['1.4.2'] } }),
    });
    const { deps, runs } = world();

    await handlePipelineJob(
      deps,
      jobEvent({
        artifacts: [{ name: 'SourceOutput' }, { name: 'ImageOutput' }],
        userParameters: { specFile: 'greenlight.json', imageDefinitions: 'ImageOutput::imageDetail.json' },
      }),
    );

    expect(runs[0]?.input).toMatchObject({ image: `${IMAGE}@sha256:3d5f` });
  });

  it('needs no artifact for an inline spec and image', async () => {
    const { deps, runs } = world();

    await handlePipelineJob(
      deps,
      jobEvent({ artifacts: [], userParameters: { spec: specFor(), image: IMAGE } }),
    );

    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
    expect(runs).toHaveLength(1);
  });

  it.each([
    [
      'UserParameters missing',
      undefined,
      'UserParameters: required, a JSON object such as {"specFile": "greenlight.json", "imageDefinitions": "BuildOutput::imagedefinitions.json"}',
    ],
    ['UserParameters not JSON', '{specFile: greenlight.json}', 'UserParameters: not valid JSON'],
    [
      'no image source',
      { specFile: 'greenlight.json' },
      'UserParameters.imageDefinitions: required (or image)',
    ],
    [
      'an unknown artifact',
      { ...FILE_PARAMETERS, artifact: 'Source' },
      'UserParameters.artifact: no input artifact named "Source" (the action\'s input artifacts: "SourceOutput", "BuildOutput")',
    ],
    [
      'an unknown artifact prefix',
      { specFile: 'greenlight.json', imageDefinitions: 'Build::imagedefinitions.json' },
      'UserParameters.imageDefinitions (Build::imagedefinitions.json): no input artifact named "Build"',
    ],
    [
      'a missing file',
      { specFile: 'deploy/greenlight.json', image: IMAGE },
      'UserParameters.specFile (deploy/greenlight.json) in input artifact "SourceOutput": no file "deploy/greenlight.json" in the artifact (it holds greenlight.json, README.md)',
    ],
  ])('fails the job as a ConfigurationError naming the field: %s', async (_case, userParameters, message) => {
    standardArtifacts();
    const { deps, runs } = world();

    const result = await handlePipelineJob(deps, jobEvent({ userParameters }));

    const failure = onlyFailure();
    expect(failure.jobId).toBe(JOB_ID);
    expect(failure.failureDetails?.type).toBe('ConfigurationError');
    expect(failure.failureDetails?.message).toContain(message);
    expect(result).toMatchObject({ outcome: 'failed', failure: { type: 'ConfigurationError' } });
    expect(runs).toEqual([]);
  });

  it("fails the job naming imageDefinitions and the spec's container when no entry matches", async () => {
    serveArtifacts({
      SourceOutput: zipOf({ 'greenlight.json': specFor() }),
      BuildOutput: zipOf({ 'imagedefinitions.json': [{ name: 'web', imageUri: IMAGE }] }),
    });
    const { deps, runs } = world();

    await handlePipelineJob(deps, jobEvent({ userParameters: FILE_PARAMETERS }));

    expect(onlyFailure().failureDetails).toEqual({
      type: 'ConfigurationError',
      message:
        'UserParameters.imageDefinitions (BuildOutput::imagedefinitions.json): no entry named "app" (the spec\'s container.name); it has "web"',
    });
    expect(runs).toEqual([]);
  });

  it('fails the job naming the spec file and every bad field of the spec', async () => {
    serveArtifacts({
      SourceOutput: zipOf({
        'greenlight.json': { ...specFor(), plan: { steps: [{ weight: 50 }, { weight: 20 }] } },
      }),
    });
    const { deps } = world();

    await handlePipelineJob(
      deps,
      jobEvent({ userParameters: { specFile: 'greenlight.json', image: IMAGE } }),
    );

    expect(onlyFailure().failureDetails).toEqual({
      type: 'ConfigurationError',
      message:
        "UserParameters.specFile (greenlight.json): spec.plan.steps[1].weight: must be greater than the previous step's 50",
    });
  });

  it('fails the job as a ConfigurationError naming a bad image', async () => {
    const { deps } = world();

    await handlePipelineJob(deps, jobEvent({ userParameters: { spec: specFor(), image: 'web 2' } }));

    expect(onlyFailure().failureDetails).toMatchObject({
      type: 'ConfigurationError',
      message: 'image: expected an image reference without spaces',
    });
  });

  it('fails the job as a PermissionError when the artifact credentials are refused', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const { deps } = world();

    await handlePipelineJob(deps, jobEvent({ userParameters: FILE_PARAMETERS }));

    expect(onlyFailure().failureDetails).toEqual({
      type: 'PermissionError',
      message: `s3://${ARTIFACT_BUCKET}/web-pipeline/SourceOutput/Xk3p9Qz: the job's artifact credentials were refused (AccessDenied)`,
    });
  });

  it('fails the job naming data.artifactCredentials when there are none to read artifacts with', async () => {
    const { deps } = world();
    const event = jobEvent({ userParameters: FILE_PARAMETERS });
    delete (event['CodePipeline.job'].data as { artifactCredentials?: unknown }).artifactCredentials;

    await handlePipelineJob(deps, event);

    expect(onlyFailure().failureDetails?.message).toContain('data.artifactCredentials: expected');
  });

  it('fails the job when the event is malformed but has a job id, and ignores one without', async () => {
    const { deps } = world();
    const malformed = jobEvent();
    (malformed['CodePipeline.job'].data as { inputArtifacts: unknown }).inputArtifacts = 'SourceOutput';

    const failed = await handlePipelineJob(deps, malformed);
    const ignored = await handlePipelineJob(deps, { 'CodePipeline.job': { data: {} } });

    expect(failed.outcome).toBe('failed');
    expect(onlyFailure().failureDetails?.message).toContain('CodePipeline.job.data.inputArtifacts');
    expect(ignored).toEqual({ outcome: 'unanswerable' });
  });

  it('lets Lambda retry when starting the execution is throttled, then starts it once', async () => {
    standardArtifacts();
    const { deps, runs } = world();
    const start = deps.executions.start.bind(deps.executions);
    let throttle = true;
    deps.executions.start = (id, input) => {
      if (!throttle) return start(id, input);
      throttle = false;
      return Promise.reject(new ThrottlingError('StartExecution: throttled by AWS'));
    };
    const event = jobEvent({ userParameters: FILE_PARAMETERS });

    await expect(handlePipelineJob(deps, event)).rejects.toBeInstanceOf(ThrottlingError);
    await handlePipelineJob(deps, event);

    expect(runs).toHaveLength(1);
    expect(failures()).toEqual([]);
    expect(successes()).toHaveLength(1);
  });

  it('fails the invocation when the job result cannot be delivered, and the retry starts nothing new', async () => {
    standardArtifacts();
    codePipeline
      .on(PutJobSuccessResultCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({});
    const { deps, runs } = world();
    const event = jobEvent({ userParameters: FILE_PARAMETERS });

    await expect(handlePipelineJob(deps, event)).rejects.toBeInstanceOf(ThrottlingError);
    const retry = await handlePipelineJob(deps, event);

    expect(retry).toMatchObject({ outcome: 'started', deploymentId: DEPLOYMENT_ID, report: 'reported' });
    expect(runs).toHaveLength(1);
    expect(codePipeline).toHaveReceivedCommandTimes(PutJobSuccessResultCommand, 2);
  });

  it('does not throw for a retried invocation of a job that already has its result', async () => {
    standardArtifacts();
    codePipeline
      .on(PutJobSuccessResultCommand)
      .rejects(Object.assign(new Error('job is not in progress'), { name: 'InvalidJobStateException' }));
    const { deps } = world();

    const result = await handlePipelineJob(deps, jobEvent({ userParameters: FILE_PARAMETERS }));

    expect(result).toMatchObject({ outcome: 'started', report: 'job-closed' });
  });
});

describe('handlePipelineJob: the invocations with a continuation token', () => {
  it('answers in progress with the same token, the current step and the deployment id', async () => {
    const { deps, store } = world();
    await store.createDeployment(inProgressRecord({ currentStep: { phase: 'step', index: 1, weight: 25 } }));
    const event = reinvocation();

    const result = await handlePipelineJob(deps, event);

    expect(result).toMatchObject({ outcome: 'running', deploymentId: DEPLOYMENT_ID });
    expect(successes()).toEqual([
      {
        jobId: JOB_ID,
        continuationToken: event['CodePipeline.job'].data.continuationToken,
        executionDetails: {
          summary: `deployment ${DEPLOYMENT_ID} (${IMAGE}): step 2 of 2, 25 % of traffic on green`,
          percentComplete: 50,
          externalExecutionId: DEPLOYMENT_ID,
        },
      },
    ]);
    // The artifacts were read by the first invocation only.
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('succeeds the job without a token once the deployment is promoted, mentioning its warning', async () => {
    const { deps, store } = world();
    await store.createDeployment(inProgressRecord({ status: 'PROMOTED', warning: 'blue not scaled down' }));

    await handlePipelineJob(deps, reinvocation());

    expect(successes()).toEqual([
      {
        jobId: JOB_ID,
        executionDetails: {
          summary: `deployment ${DEPLOYMENT_ID} promoted: ${IMAGE} serves 100 % on green; warning: blue not scaled down`,
          percentComplete: 100,
          externalExecutionId: DEPLOYMENT_ID,
        },
      },
    ]);
    expect(failures()).toEqual([]);
  });

  it('fails the job with the reason of a rollback', async () => {
    const { deps, store } = world();
    await store.createDeployment(
      inProgressRecord({
        status: 'ROLLED_BACK',
        lastStep: { phase: 'step', index: 0, weight: 5 },
        error: { error: 'GateFailedError', cause: '5xx rate 20.0% on green (8 of 40 requests)' },
      }),
    );

    const result = await handlePipelineJob(deps, reinvocation());

    expect(onlyFailure()).toEqual({
      jobId: JOB_ID,
      failureDetails: {
        type: 'JobFailed',
        message: `deployment ${DEPLOYMENT_ID} rolled back in step 1 (5 % of traffic on the new color): GateFailedError: 5xx rate 20.0% on green (8 of 40 requests)`,
        externalExecutionId: DEPLOYMENT_ID,
      },
    });
    expect(result.outcome).toBe('failed');
  });

  it('keeps waiting for a deployment whose record is not written yet, then gives up on one that vanished', async () => {
    const { deps, clock } = world();

    await handlePipelineJob(deps, reinvocation());
    clock.advance(11 * 60_000);
    await handlePipelineJob(deps, reinvocation());

    expect(successes()[0]?.continuationToken).toBeDefined();
    expect(failures()[0]?.failureDetails).toEqual({
      type: 'JobFailed',
      message: `deployment ${DEPLOYMENT_ID} has no deployment record 11 min after it was started and no workflow execution by that name exists; look up the execution named ${DEPLOYMENT_ID} of the blue/green state machine`,
      externalExecutionId: DEPLOYMENT_ID,
    });
  });

  it('answers in progress when the record cannot be read for throttling, and fails on other read errors', async () => {
    const { deps } = world();
    deps.store = { getDeployment: () => Promise.reject(new ThrottlingError('GetItem: throttled by AWS')) };

    await handlePipelineJob(deps, reinvocation());
    deps.store = { getDeployment: () => Promise.reject(new Error('AccessDeniedException: not authorized')) };
    await handlePipelineJob(deps, reinvocation());

    expect(successes()[0]?.executionDetails?.summary).toBe(
      `deployment ${DEPLOYMENT_ID}: status not readable just now (GetItem: throttled by AWS)`,
    );
    expect(successes()[0]?.continuationToken).toBeDefined();
    expect(failures()[0]?.failureDetails?.message).toBe(
      `deployment ${DEPLOYMENT_ID} could not be read: AccessDeniedException: not authorized`,
    );
  });

  it('fails the job naming continuationToken when the token is not one it wrote', async () => {
    const { deps } = world();

    await handlePipelineJob(deps, jobEvent({ userParameters: FILE_PARAMETERS, continuationToken: 'web-1' }));

    expect(onlyFailure().failureDetails).toMatchObject({ type: 'ConfigurationError' });
    expect(onlyFailure().failureDetails?.message).toContain('continuationToken');
  });
});

describe('createPipelineJobHandler: logs', () => {
  const context = { functionName: 'greenlight-ci-pipeline', awsRequestId: 'req-1' } as Context;
  const secrets = [
    ARTIFACT_CREDENTIALS.accessKeyId,
    ARTIFACT_CREDENTIALS.secretAccessKey,
    ARTIFACT_CREDENTIALS.sessionToken,
  ];

  /** Everything the Powertools logger writes (it writes to the process's streams, not to console). */
  function captureOutput() {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    return { text: () => lines.join(''), restore: () => spies.forEach((s) => s.mockRestore()) };
  }

  let logEventBefore: string | undefined;
  beforeEach(() => {
    // The Powertools switch that logs every event: the handler must hold even with it on.
    logEventBefore = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  });
  afterEach(() => {
    if (logEventBefore === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    else process.env.POWERTOOLS_LOGGER_LOG_EVENT = logEventBefore;
  });

  it('never writes the artifact credentials, whatever the path, even with event logging switched on', async () => {
    const output = captureOutput();
    try {
      standardArtifacts();
      const { deps, store } = world({
        logger: createLogger({ logLevel: 'DEBUG', serviceName: 'greenlight' }),
      });
      const handler = createPipelineJobHandler(deps);

      await handler(jobEvent({ userParameters: FILE_PARAMETERS }), context);
      await handler(jobEvent({ userParameters: '{bad json' }), context);
      await handler(jobEvent({ userParameters: { ...FILE_PARAMETERS, artifact: 'Nope' } }), context);
      await handler({ 'CodePipeline.job': { data: { artifactCredentials: ARTIFACT_CREDENTIALS } } }, context);
      await store.createDeployment(inProgressRecord({ status: 'ROLLED_BACK' }));
      await handler(reinvocation(), context);
      s3.reset();
      s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
      await handler(
        jobEvent({ userParameters: FILE_PARAMETERS, jobId: '99999999-2222-4333-8444-555555555555' }),
        context,
      );
    } finally {
      output.restore();
    }

    const text = output.text();
    expect(text).toContain('pipeline job answered');
    expect(text).toContain('pipeline job failed');
    expect(text).toContain('CodePipeline event without a usable job id ignored');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('(control) would have logged them through a plain Powertools handler that lets the event be logged', async () => {
    const output = captureOutput();
    try {
      const logger = createLogger({ logLevel: 'DEBUG' });
      await middy(async () => 'done').use(injectLambdaContext(logger))(
        jobEvent({ userParameters: FILE_PARAMETERS }),
        context,
      );
    } finally {
      output.restore();
    }

    expect(output.text()).toContain(ARTIFACT_CREDENTIALS.secretAccessKey);
  });
});
