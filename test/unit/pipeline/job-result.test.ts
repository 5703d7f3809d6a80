import {
  decodeContinuation,
  encodeContinuation,
  jobResultFor,
  type JobStatusInput,
} from '../../../functions/pipeline/job-result';
import type { DeploymentRecord } from '../../../shared/domain/deployment';
import { InvalidInputError } from '../../../shared/domain/errors';
import { parseSpec } from '../../fixtures/spec';

const ID = 'web-AbCdEf0123456789ghijKLmn';

function record(patch: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: ID,
    service: 'web',
    cluster: 'prod',
    image: 'r/web:2',
    requestedBy: 'CodePipeline job j-1',
    status: 'IN_PROGRESS',
    liveColor: 'blue',
    newColor: 'green',
    startedAt: 0,
    // canary 5 → 25: two steps, then the bake
    spec: parseSpec(),
    ...patch,
  };
}

const input = (patch: Partial<JobStatusInput>): JobStatusInput => ({
  deploymentId: ID,
  record: record(),
  waitedMs: 60_000,
  vanishedAfterMs: 600_000,
  ...patch,
});

describe('jobResultFor', () => {
  it.each([
    [undefined, 'launching green', 0],
    [{ phase: 'step' as const, index: 0, weight: 5 }, 'step 1 of 2, 5 % of traffic on green', 25],
    [{ phase: 'step' as const, index: 1, weight: 25 }, 'step 2 of 2, 25 % of traffic on green', 50],
    [{ phase: 'bake' as const, index: 2, weight: 100 }, 'baking at 100 % on green', 75],
  ])('keeps a running deployment running, with where it is (%j)', (currentStep, where, percent) => {
    const result = jobResultFor(input({ record: record(currentStep ? { currentStep } : {}) }));

    expect(result).toEqual({
      kind: 'running',
      summary: `deployment ${ID} (r/web:2): ${where}`,
      percentComplete: percent,
    });
  });

  it('mentions a pause and an approval the step waits for', () => {
    const spec = parseSpec({ plan: { steps: [{ weight: 10, approval: true }] } });
    const result = jobResultFor(
      input({
        record: record({
          spec,
          currentStep: { phase: 'step', index: 0, weight: 10 },
          control: { action: 'pause', by: 'alice', at: 0 },
        }),
      }),
    );

    expect(result).toMatchObject({
      kind: 'running',
      summary: `deployment ${ID} (r/web:2): step 1 of 1, 10 % of traffic on green; paused by alice; this step needs an approval`,
    });
  });

  it('succeeds a promoted deployment, with its warning', () => {
    expect(
      jobResultFor(input({ record: record({ status: 'PROMOTED', warning: 'blue not scaled down' }) })),
    ).toEqual({
      kind: 'succeeded',
      summary: `deployment ${ID} promoted: r/web:2 serves 100 % on green; warning: blue not scaled down`,
    });
  });

  it.each([
    [
      'ROLLED_BACK' as const,
      `deployment ${ID} rolled back in step 1 (5 % of traffic on the new color): GateFailed: 5xx rate 20.0% on green`,
    ],
    ['REJECTED' as const, `deployment ${ID} rejected before any change: GateFailed: 5xx rate 20.0% on green`],
    [
      'ROLLBACK_FAILED' as const,
      `deployment ${ID}: the rollback failed in step 1 (5 % of traffic on the new color), traffic may not be on a healthy color and the service stays locked until a person repairs it: GateFailed: 5xx rate 20.0% on green`,
    ],
  ])('fails a %s deployment with the reason from the record', (status, message) => {
    const result = jobResultFor(
      input({
        record: record({
          status,
          lastStep: { phase: 'step', index: 0, weight: 5 },
          error: { error: 'GateFailed', cause: '5xx rate 20.0% on green' },
        }),
      }),
    );

    expect(result).toEqual({ kind: 'failed', message });
  });

  it('bounds a long reason to the 5000 characters CodePipeline takes', () => {
    const result = jobResultFor(
      input({ record: record({ status: 'ROLLED_BACK', error: { error: 'E', cause: 'x'.repeat(10_000) } }) }),
    );

    expect(result.kind === 'failed' && result.message.length).toBe(5000);
    expect(result.kind === 'failed' && result.message.endsWith('…')).toBe(true);
  });

  it('keeps waiting while the execution runs before the record exists', () => {
    expect(jobResultFor(input({ record: null, execution: 'RUNNING', waitedMs: 3_600_000 }))).toEqual({
      kind: 'running',
      summary: `deployment ${ID} starting`,
      percentComplete: 0,
    });
  });

  it('gives a deployment with no record and no execution some time, then fails the job', () => {
    const early = jobResultFor(input({ record: null, execution: 'NOT_FOUND', waitedMs: 30_000 }));
    const late = jobResultFor(input({ record: null, execution: 'NOT_FOUND', waitedMs: 720_000 }));
    const ended = jobResultFor(input({ record: null, execution: 'ABORTED', waitedMs: 720_000 }));

    expect(early.kind).toBe('running');
    expect(late).toEqual({
      kind: 'failed',
      message: `deployment ${ID} has no deployment record 12 min after it was started and no workflow execution by that name exists; look up the execution named ${ID} of the blue/green state machine`,
    });
    expect(ended.kind === 'failed' && ended.message).toContain('its workflow execution ended ABORTED');
  });
});

describe('continuation tokens', () => {
  it('carry the deployment id and start time from one invocation to the next', () => {
    const token = encodeContinuation({ deploymentId: ID, startedAt: 1_764_072_000_000 });

    expect(decodeContinuation(token)).toEqual({ deploymentId: ID, startedAt: 1_764_072_000_000 });
    expect(token.length).toBeLessThanOrEqual(2048);
  });

  it.each(['web-1', '{"deploymentId": "a b", "startedAt": 1}', '{"deploymentId": "web-1"}'])(
    'refuses a token it did not write (%s), naming the field',
    (token) => {
      expect(() => decodeContinuation(token)).toThrow(InvalidInputError);
      expect(() => decodeContinuation(token)).toThrow('continuationToken');
    },
  );
});
