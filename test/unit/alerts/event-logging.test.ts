/**
 * POWERTOOLS_LOGGER_LOG_EVENT=true is Powertools' standard debug switch: it logs every event in
 * full. Greenlight's handlers receive secrets in their events (container overrides, SigV4 headers,
 * the pipeline job's S3 credentials), so the switch must change nothing. Each handler is run with
 * it set, at DEBUG, and every byte written to stdout/stderr is searched for the planted values.
 */
import type { Context } from 'aws-lambda';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createApiHandler } from '../../../functions/api/api';
import { createTaskStoppedHandler } from '../../../functions/alerts/task-stopped';
import { createPipelineJobHandler } from '../../../functions/pipeline/pipeline-job';
import { CodePipelineJobs } from '../../../shared/aws/codepipeline-jobs';
import { S3Artifacts } from '../../../shared/aws/s3-artifacts';
import { DEFAULT_ALERT_POLICY } from '../../../shared/domain/alerts/policy';
import { createLogger } from '../../../shared/lambda';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { apiEvent } from '../../fixtures/api-events';
import { ARTIFACT_CREDENTIALS, jobEvent } from '../../fixtures/codepipeline';
import { loadEvent } from '../../fixtures/ecs-events';
import { MemoryAlertStore } from '../../support/memory-alert-store';
import { ManualClock, MemoryStore } from '../../support/memory-ports';

const CONTEXT = {
  functionName: 'greenlight-ci-fn',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-ci-fn',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const SIGV4_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=ASIAPLANTEDAUTHKEY01/20261125/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=planted0signature0feedface';
const SECURITY_TOKEN = 'IQoJb3JpZ2luX2VjEPLANTEDSECURITYTOKEN';

/** Everything the process writes while `run` runs (Powertools writes through process.stdout/stderr). */
async function captureOutput(run: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await run().catch(() => undefined);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return chunks.join('');
}

describe('event logging is off in every handler, whatever POWERTOOLS_LOGGER_LOG_EVENT says', () => {
  const saved = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
  beforeAll(() => {
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    else process.env.POWERTOOLS_LOGGER_LOG_EVENT = saved;
  });

  it('the switch does log events in a plain Powertools handler (so the checks below can fail)', async () => {
    const logger = createLogger({ logLevel: 'DEBUG' });
    const plain = middy(async () => 'ok').use(injectLambdaContext(logger));
    const output = await captureOutput(() => plain({ planted: 'PLANTED-IN-PLAIN-HANDLER' }, CONTEXT));
    expect(output).toContain('PLANTED-IN-PLAIN-HANDLER');
  });

  it('alerts: no container override value, no event', async () => {
    const handler = createTaskStoppedHandler({
      alerts: new MemoryAlertStore(),
      notifier: { notify: async () => undefined },
      clock: new ManualClock(Date.UTC(2026, 2, 2, 10, 16)),
      logger: createLogger({ logLevel: 'DEBUG' }),
      policy: DEFAULT_ALERT_POLICY,
    });
    const output = await captureOutput(() => handler(loadEvent('exit-with-secret-overrides'), CONTEXT));
    expect(output).toContain('task stop handled');
    for (const planted of ['hunter2-Planted-Pa55word', 'sk_live_PLANTED51Hc0ffee', 'PLANTEDurlPass'])
      expect(output).not.toContain(planted);
    expect(output).not.toContain('Lambda invocation event');
  });

  it('API: no authorization header, no x-amz-security-token, no event', async () => {
    const handler = createApiHandler({
      executions: new LocalExecutions(() => new Promise<boolean>(() => undefined)),
      store: new MemoryStore(),
      deployments: { runningDeployment: async () => null },
      clock: new ManualClock(Date.UTC(2026, 10, 25, 12)),
      logger: createLogger({ logLevel: 'DEBUG' }),
    });
    const event = apiEvent('GET /deployments/{id}', {
      pathParameters: { id: 'web-1' },
      headers: { authorization: SIGV4_AUTHORIZATION, 'x-amz-security-token': SECURITY_TOKEN },
    });
    const output = await captureOutput(() => handler(event, CONTEXT));
    expect(output).not.toBe('');
    expect(output).not.toContain('Signature=planted0signature0feedface');
    expect(output).not.toContain('ASIAPLANTEDAUTHKEY01');
    expect(output).not.toContain(SECURITY_TOKEN);
    expect(output).not.toContain('Lambda invocation event');
  });

  it('pipeline: no artifact credentials, no event', async () => {
    const codePipeline = mockClient(CodePipelineClient);
    try {
      const handler = createPipelineJobHandler({
        executions: new LocalExecutions(() => new Promise<boolean>(() => undefined)),
        store: new MemoryStore(),
        jobs: new CodePipelineJobs({ client: new CodePipelineClient({ region: 'eu-west-1' }) }),
        artifacts: new S3Artifacts({ region: 'eu-west-1' }),
        clock: new ManualClock(Date.UTC(2026, 10, 25, 12)),
        logger: createLogger({ logLevel: 'DEBUG' }),
      });
      // Bad user parameters: the job fails without touching S3, after logging why.
      const output = await captureOutput(() => handler(jobEvent({ userParameters: 'not json' }), CONTEXT));
      expect(output).not.toBe('');
      for (const planted of Object.values(ARTIFACT_CREDENTIALS).filter((v) => typeof v === 'string'))
        expect(output).not.toContain(planted);
      expect(output).not.toContain('Lambda invocation event');
    } finally {
      codePipeline.restore();
    }
  });
});
