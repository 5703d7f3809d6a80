import { evaluate } from '../../../functions/deploy/evaluate';
import { MetricsBySource } from '../../../shared/aws/metrics-by-source';
import type { Color } from '../../../shared/domain/colors';
import type { GateMetrics, MetricsModel, PublishedWindow } from '../../../shared/domain/gate';
import { nextStep } from '../../../shared/domain/plan';
import { SpecSchema } from '../../../shared/domain/spec';
import type { Metrics } from '../../../shared/ports/metrics';
import { specFor } from '../../fixtures/spec';
import { ManualClock } from '../../support/memory-ports';
import { memoryWorld } from '../../support/memory-world';

const T0 = Date.UTC(2026, 0, 1);
const PROM = {
  source: 'prometheus',
  url: 'http://prometheus.internal:9090',
  periodSeconds: 15,
  queries: { requests: 'r{c="{{color}}"}', errors: 'e{c="{{color}}"}', p99: 'p{c="{{color}}"}' },
} as const;

/** A Metrics adapter that records what it was asked and answers with one window. */
function recording(
  name: string,
  calls: { name: string; model?: MetricsModel; source?: GateMetrics }[],
): Metrics {
  return {
    sample: async (_groups, from, _now, model, source) => {
      calls.push({ name, ...(model ? { model } : {}), ...(source ? { source } : {}) });
      const window: PublishedWindow = {
        requests: 400,
        errors: 0,
        p50Ms: 5,
        p99Ms: 20,
        from,
        until: from + 60_000,
        periodSeconds: 15,
      };
      return { blue: window, green: window } as Record<Color, PublishedWindow>;
    },
    sampleLoadBalancer: async () => null,
  };
}

describe('evaluate with a metric source', () => {
  it('reads the spec’s own source with the source’s timing', async () => {
    const calls: { name: string; model?: MetricsModel; source?: GateMetrics }[] = [];
    const metrics = new MetricsBySource({
      alb: recording('alb', calls),
      cloudwatch: recording('cloudwatch', calls),
      prometheus: recording('prometheus', calls),
    });
    const world = memoryWorld({ clock: new ManualClock(T0 + 120_000) });
    world.router.health['web-green-tg'] = { healthy: 2, unhealthy: 0, transitioning: 0 };
    const spec = SpecSchema.parse(specFor({ gate: { metrics: PROM } }));
    const step = nextStep(spec, null, T0);
    if (step.done) throw new Error('the plan has steps');
    const event = {
      deployment: {
        id: 'd-1',
        image: 'registry.local/web:v2',
        requestedBy: 'test',
        liveColor: 'blue',
        newColor: 'green',
        taskDefinition: 'web:2',
        desiredCount: 2,
        startedAt: T0 - 120_000,
      },
      spec,
      step,
      previous: null,
    };

    await evaluate({ ...world, metrics }, event);

    expect(calls).toEqual([
      {
        name: 'prometheus',
        model: { periodSeconds: 15, publishDelaySeconds: 30 },
        source: { ...PROM, latencyUnit: 'seconds', publishDelaySeconds: 30 },
      },
    ]);
  });

  it('reads ALB metrics when the spec names no source', async () => {
    const calls: { name: string; model?: MetricsModel; source?: GateMetrics }[] = [];
    const metrics = new MetricsBySource({
      alb: recording('alb', calls),
      cloudwatch: recording('cloudwatch', calls),
      prometheus: recording('prometheus', calls),
    });
    await metrics.sample({ blue: 'b', green: 'g' }, T0, T0 + 1, {
      periodSeconds: 60,
      publishDelaySeconds: 120,
    });
    expect(calls).toEqual([{ name: 'alb', model: { periodSeconds: 60, publishDelaySeconds: 120 } }]);
  });
});
