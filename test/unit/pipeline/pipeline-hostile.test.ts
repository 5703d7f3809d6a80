/**
 * The CodePipeline trigger against what a hostile or broken artifact store hands it: error texts
 * quoting the job's access key ID, a refused session token, a continuation token that is not JSON.
 * Production adapters (S3Artifacts, CodePipelineJobs) on mocked clients.
 */
import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createPipelineJobHandler,
  handlePipelineJob,
  type PipelineJobDeps,
} from '../../../functions/pipeline/pipeline-job';
import { CodePipelineJobs } from '../../../shared/aws/codepipeline-jobs';
import { S3Artifacts } from '../../../shared/aws/s3-artifacts';
import { scrubCredentials } from '../../../shared/domain/credential-scrub';
import { createLogger } from '../../../shared/lambda';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { ManualClock, MemoryStore, silentLogger } from '../../support/memory-ports';
import { ARTIFACT_CREDENTIALS, JOB_ID, jobEvent } from '../../fixtures/codepipeline';

const codePipeline = mockClient(CodePipelineClient);
const s3 = mockClient(S3Client);

const FILE_PARAMETERS = {
  specFile: 'greenlight.json',
  imageDefinitions: 'BuildOutput::imagedefinitions.json',
};

function deps(logger = silentLogger()): PipelineJobDeps {
  return {
    executions: new LocalExecutions(() => new Promise<boolean>(() => undefined)),
    store: new MemoryStore(),
    jobs: new CodePipelineJobs({ client: new CodePipelineClient({ region: 'eu-west-1' }) }),
    artifacts: new S3Artifacts({ region: 'eu-west-1' }),
    clock: new ManualClock(Date.UTC(2026, 10, 25)),
    logger,
  };
}

/** An S3 service error as the SDK throws it. */
function s3Error(name: string, message: string, status: number) {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

const failures = () => codePipeline.commandCalls(PutJobFailureResultCommand).map((c) => c.args[0].input);

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

beforeEach(() => {
  codePipeline.reset();
  s3.reset();
  codePipeline.on(PutJobSuccessResultCommand).resolves({});
  codePipeline.on(PutJobFailureResultCommand).resolves({});
});

describe('pipeline job: credentials in error texts', () => {
  it("scrubs the job's access key ID (and secret) from an S3 error text, in the job result and the logs", async () => {
    s3.on(GetObjectCommand).rejects(
      s3Error(
        'InternalError',
        `We encountered an internal error for key ${ARTIFACT_CREDENTIALS.accessKeyId} (signature by ${ARTIFACT_CREDENTIALS.secretAccessKey})`,
        500,
      ),
    );
    const output = captureOutput();
    try {
      const handler = createPipelineJobHandler(
        deps(createLogger({ logLevel: 'DEBUG', serviceName: 'greenlight' })),
      );
      await handler(jobEvent({ userParameters: FILE_PARAMETERS }), { awsRequestId: 'r-1' } as Context);
    } finally {
      output.restore();
    }

    const [failure] = failures();
    expect(failure?.failureDetails?.type).toBe('JobFailed');
    expect(failure?.failureDetails?.message).toContain(
      'InternalError: We encountered an internal error for key [redacted: credential]',
    );
    for (const text of [JSON.stringify(failures()), output.text()]) {
      expect(text).not.toContain(ARTIFACT_CREDENTIALS.accessKeyId);
      expect(text).not.toContain(ARTIFACT_CREDENTIALS.secretAccessKey);
    }
    expect(output.text()).toContain('[redacted: credential]');
  });

  it('scrubs any AWS access key ID, not only the job’s', () => {
    expect(
      scrubCredentials(
        'key AKIAIOSFODNN7EXAMPLE and ASIA0123456789ABCDEF; not AKIASHORT or AKIAIOSFODNN7EXAMPLEXY',
      ),
    ).toBe('key [redacted: credential] and [redacted: credential]; not AKIASHORT or AKIAIOSFODNN7EXAMPLEXY');
  });

  it('fails the job (never leaves it hanging) on an unexpected error while reading artifacts, scrubbed', async () => {
    const failing: PipelineJobDeps = {
      ...deps(),
      artifacts: {
        read: async () => {
          throw new Error(`socket closed while signing with ${ARTIFACT_CREDENTIALS.accessKeyId}`);
        },
      },
    };

    const result = await handlePipelineJob(failing, jobEvent({ userParameters: FILE_PARAMETERS }));

    expect(result.outcome).toBe('failed');
    expect(failures()).toHaveLength(1);
    expect(failures()[0]?.failureDetails).toEqual({
      type: 'JobFailed',
      message:
        'the deploy request could not be read: socket closed while signing with [redacted: credential]',
    });
  });

  it('scrubs the message of an error it throws for Lambda to retry (the answer could not be delivered)', async () => {
    codePipeline
      .on(PutJobFailureResultCommand)
      .rejects(s3Error('InternalServerError', `refused for ${ARTIFACT_CREDENTIALS.accessKeyId}`, 500));

    const thrown = await handlePipelineJob(deps(), jobEvent({ userParameters: '{bad json' })).catch(
      (e: Error) => e,
    );

    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toContain('[redacted: credential]');
    expect((thrown as Error).message).not.toContain(ARTIFACT_CREDENTIALS.accessKeyId);
    expect((thrown as Error).stack).not.toContain(ARTIFACT_CREDENTIALS.accessKeyId);
  });
});

describe('pipeline job: failure types and messages', () => {
  it('reports an S3 InvalidToken (the session token refused) as PermissionError, not JobFailed', async () => {
    s3.on(GetObjectCommand).rejects(
      s3Error('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400),
    );

    await handlePipelineJob(deps(), jobEvent({ userParameters: FILE_PARAMETERS }));

    expect(failures()).toHaveLength(1);
    expect(failures()[0]?.failureDetails).toMatchObject({
      type: 'PermissionError',
      message: expect.stringContaining("the job's artifact credentials were refused (InvalidToken)"),
    });
  });

  it('says what a continuation token should be when it is not JSON, not "expected object, received undefined"', async () => {
    await handlePipelineJob(
      deps(),
      jobEvent({ userParameters: FILE_PARAMETERS, continuationToken: 'web-1 not json' }),
    );

    const message = failures()[0]?.failureDetails?.message ?? '';
    expect(failures()[0]?.failureDetails?.type).toBe('ConfigurationError');
    expect(message).toContain('continuationToken: expected the JSON object this action writes');
    expect(message).not.toContain('undefined');
    // The token's own text is not echoed.
    expect(message).not.toContain('web-1 not json');
    expect(failures()[0]?.jobId).toBe(JOB_ID);
  });
});
