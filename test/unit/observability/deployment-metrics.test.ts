import type { Context } from 'aws-lambda';
import { createFinishHandler } from '../../../functions/deploy/finish';
import {
  createMetrics,
  deploymentMetrics,
  handlerMetrics,
  type HandlerMetrics,
} from '../../../shared/observability/deployment-metrics';
import { containerTracer, traced } from '../../../shared/observability/tracing';
import {
  ManualClock,
  MemoryFleet,
  MemoryNotifier,
  MemoryRouter,
  MemoryScaling,
  MemoryStore,
  silentLogger,
} from '../../support/memory-ports';

const LAMBDA_ENV = { AWS_LAMBDA_FUNCTION_NAME: 'greenlight-dev-finish', LAMBDA_TASK_ROOT: '/var/task' };
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const context = { functionName: 'greenlight-dev-finish', awsRequestId: 'r-1' } as Context;

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** The EMF lines Powertools prints on stdout while `act` runs. */
async function emfOf(act: () => Promise<unknown> | unknown): Promise<Emf[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await act();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);
}

const directives = (lines: Emf[]) =>
  lines.flatMap((l) =>
    l._aws.CloudWatchMetrics.map((d) => ({
      ...d,
      values: Object.fromEntries(d.Metrics.map((m) => [m.Name, l[m.Name]])),
      verdict: l.verdict,
    })),
  );

function finishWorld(observed?: HandlerMetrics) {
  const store = new MemoryStore();
  const handler = createFinishHandler(
    {
      scaling: new MemoryScaling(new MemoryFleet(new MemoryRouter())),
      store,
      notifier: new MemoryNotifier(),
      clock: new ManualClock(NOW),
      logger: silentLogger(),
    },
    observed,
  );
  const event = (outcome: string) => ({
    outcome,
    state: {
      deployment: {
        id: 'web-1',
        image: 'web:2',
        liveColor: 'blue',
        newColor: 'green',
        startedAt: NOW - 90_000,
      },
      spec: { service: 'web', cluster: 'prod' },
      requestedBy: 'alice',
    },
  });
  return { handler, event, store };
}

describe('deployment metrics (Powertools EMF)', () => {
  beforeEach(() => {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_DEV;
  });

  it('Finish reports a failed rollback once, as a count and the duration, in namespace Greenlight by service', async () => {
    const { handler, event } = finishWorld(handlerMetrics(LAMBDA_ENV));

    const lines = await emfOf(() => handler(event('ROLLBACK_FAILED'), context));

    expect(directives(lines)).toEqual([
      {
        Namespace: 'Greenlight',
        Dimensions: [['service']],
        Metrics: [
          { Name: 'DeploymentsRollbackFailed', Unit: 'Count' },
          { Name: 'DeploymentDuration', Unit: 'Milliseconds' },
        ],
        values: { DeploymentsRollbackFailed: 1, DeploymentDuration: 90_000 },
        verdict: undefined,
      },
    ]);
    expect(lines[0]!.service).toBe('greenlight');
  });

  it('a Finish retried after its outcome was recorded reports nothing again', async () => {
    const { handler, event } = finishWorld(handlerMetrics(LAMBDA_ENV));
    await emfOf(() => handler(event('PROMOTED'), context));

    const again = await emfOf(() => handler(event('PROMOTED'), context));

    expect(directives(again)).toEqual([]);
  });

  it.each([
    ['PROMOTED', 'DeploymentsPromoted'],
    ['ROLLED_BACK', 'DeploymentsRolledBack'],
    ['REJECTED', 'DeploymentsRejected'],
  ] as const)('names outcome %s %s', async (outcome, name) => {
    const metrics = createMetrics(LAMBDA_ENV)!;
    const lines = await emfOf(() => {
      deploymentMetrics(metrics).ended(outcome, undefined);
      metrics.publishStoredMetrics();
    });

    expect(directives(lines).map((d) => d.Metrics)).toEqual([[{ Name: name, Unit: 'Count' }]]);
  });

  it('counts starts, and gate evaluations by verdict (own dimension), with the time to detect on a rollback', async () => {
    const metrics = createMetrics(LAMBDA_ENV)!;
    const recorder = deploymentMetrics(metrics);

    const lines = await emfOf(() => {
      recorder.started();
      recorder.gateEvaluated('pass', 'advance', 60_000);
      recorder.gateEvaluated('fail', 'rollback', 12_000);
      metrics.publishStoredMetrics();
    });

    expect(directives(lines)).toEqual([
      expect.objectContaining({
        Dimensions: [['service', 'verdict']],
        Metrics: [{ Name: 'GateEvaluations', Unit: 'Count' }],
        values: { GateEvaluations: 1 },
        verdict: 'pass',
      }),
      expect.objectContaining({
        Dimensions: [['service', 'verdict']],
        Metrics: [{ Name: 'GateEvaluations', Unit: 'Count' }],
        values: { GateEvaluations: 1 },
        verdict: 'fail',
      }),
      expect.objectContaining({
        Namespace: 'Greenlight',
        Dimensions: [['service']],
        Metrics: [
          { Name: 'DeploymentsStarted', Unit: 'Count' },
          { Name: 'TimeToDetect', Unit: 'Milliseconds' },
        ],
        values: { DeploymentsStarted: 1, TimeToDetect: 12_000 },
      }),
    ]);
  });

  it('emits nothing off Lambda: no metrics instance, and a handler built without one prints no EMF', async () => {
    const { handler, event } = finishWorld(handlerMetrics({}));

    const lines = await emfOf(() => handler(event('ROLLBACK_FAILED'), context));

    expect(handlerMetrics({})).toBeUndefined();
    expect(createMetrics({ AWS_LAMBDA_FUNCTION_NAME: 'x' })).toBeNull();
    expect(lines).toEqual([]);
  });
});

describe('tracing (Powertools Tracer)', () => {
  it('is off outside Lambda and hands SDK clients back untouched', () => {
    const client = { send: jest.fn(), middlewareStack: { add: jest.fn() } };

    expect(containerTracer({}).isTracingEnabled()).toBe(false);
    expect(traced(client)).toBe(client);
    expect(client.middlewareStack.add).not.toHaveBeenCalled();
  });

  it('wraps a client through captureAWSv3Client when on', () => {
    const client = { send: jest.fn() };
    const wrapped = { send: jest.fn() };
    const tracer = { captureAWSv3Client: jest.fn().mockReturnValue(wrapped) };

    expect(traced(client, tracer)).toBe(wrapped);
    expect(tracer.captureAWSv3Client).toHaveBeenCalledWith(client);
  });
});
