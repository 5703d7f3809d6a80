import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CodePipelineJobs, CodePipelineJobsError } from '../../../shared/aws/codepipeline-jobs';
import { ThrottlingError } from '../../../shared/domain/errors';

const codePipeline = mockClient(CodePipelineClient);
const JOB = '11111111-2222-4333-8444-555555555555';
const jobs = () => new CodePipelineJobs({ client: new CodePipelineClient({ region: 'eu-west-1' }) });
const awsError = (name: string) => Object.assign(new Error(`${name} happened`), { name });

describe('CodePipelineJobs', () => {
  beforeEach(() => codePipeline.reset());

  it('reports success with the continuation token and execution details', async () => {
    codePipeline.on(PutJobSuccessResultCommand).resolves({});

    const outcome = await jobs().succeed(JOB, {
      continuationToken: 'token',
      executionDetails: { summary: 'step 1 of 2', percentComplete: 25.4, externalExecutionId: 'web-1' },
    });

    expect(outcome).toBe('reported');
    expect(codePipeline).toHaveReceivedCommandWith(PutJobSuccessResultCommand, {
      jobId: JOB,
      continuationToken: 'token',
      executionDetails: { summary: 'step 1 of 2', percentComplete: 25, externalExecutionId: 'web-1' },
    });
  });

  it('reports failure with its type and a message bounded to 5000 characters', async () => {
    codePipeline.on(PutJobFailureResultCommand).resolves({});

    await jobs().fail(JOB, { type: 'JobFailed', message: 'y'.repeat(6000), externalExecutionId: 'web-1' });

    const input = codePipeline.commandCalls(PutJobFailureResultCommand)[0]!.args[0].input;
    expect(input.jobId).toBe(JOB);
    expect(input.failureDetails).toEqual({
      type: 'JobFailed',
      message: `${'y'.repeat(4999)}…`,
      externalExecutionId: 'web-1',
    });
  });

  it('bounds the summary to 2048 characters', async () => {
    codePipeline.on(PutJobSuccessResultCommand).resolves({});

    await jobs().succeed(JOB, { executionDetails: { summary: 's'.repeat(3000) } });

    const input = codePipeline.commandCalls(PutJobSuccessResultCommand)[0]!.args[0].input;
    expect(input.executionDetails?.summary).toHaveLength(2048);
  });

  it.each(['InvalidJobStateException', 'JobNotFoundException'])(
    'answers job-closed when the job already has a result (%s)',
    async (code) => {
      codePipeline.on(PutJobSuccessResultCommand).rejects(awsError(code));

      expect(await jobs().succeed(JOB, {})).toBe('job-closed');
    },
  );

  it('throws throttling as ThrottlingError and other refusals as CodePipelineJobsError', async () => {
    codePipeline.on(PutJobFailureResultCommand).rejectsOnce(awsError('ThrottlingException'));
    codePipeline.on(PutJobSuccessResultCommand).rejects(awsError('ValidationException'));

    await expect(jobs().fail(JOB, { type: 'JobFailed', message: 'm' })).rejects.toBeInstanceOf(
      ThrottlingError,
    );
    await expect(jobs().succeed(JOB, {})).rejects.toBeInstanceOf(CodePipelineJobsError);
  });

  it('refuses a continuation token longer than CodePipeline takes rather than cutting it', async () => {
    await expect(jobs().succeed(JOB, { continuationToken: 't'.repeat(2049) })).rejects.toThrow(
      'continuationToken: 2049 characters',
    );
    expect(codePipeline).not.toHaveReceivedCommand(PutJobSuccessResultCommand);
  });
});
