import { evaluate } from '../../../functions/deploy/evaluate';
import type { TrafficWindow } from '../../../shared/domain/gate';
import { SpecSchema } from '../../../shared/domain/spec';
import type { Metrics } from '../../../shared/ports/metrics';
import { ManualClock } from '../../support/memory-ports';
import { memoryWorld } from '../../support/memory-world';
import { specFor } from '../../fixtures/spec';

const T0 = Date.UTC(2026, 0, 1);
const window = (requests: number, errors: number, p99Ms: number): TrafficWindow => ({
  requests,
  errors,
  p50Ms: 5,
  p99Ms,
});

describe('evaluate keeps an observation per evaluation on the deployment record', () => {
  async function setup() {
    const clock = new ManualClock(T0 + 5_000);
    const world = memoryWorld({ clock });
    world.router.health['web-green-tg'] = { healthy: 2, unhealthy: 1, transitioning: 0 };
    let green = window(200, 0, 30);
    const metrics: Metrics = {
      sample: async (_groups, from, to) => ({
        blue: { ...window(1800, 2, 25), from, until: to, periodSeconds: 1 },
        green: { ...green, from, until: to, periodSeconds: 1 },
      }),
      // The lag-free rehearsal's answer: no separate load-balancer figure.
      sampleLoadBalancer: async () => null,
    };
    const spec = SpecSchema.parse(specFor({}, { pace: 'memory' }));
    await world.store.createDeployment({
      id: 'd-1',
      service: spec.service,
      cluster: spec.cluster,
      image: 'registry.local/web:v2',
      requestedBy: 'test',
      status: 'IN_PROGRESS',
      startedAt: T0 - 60_000,
      spec,
    });
    const step = spec.plan.steps[0]!;
    const event = {
      deployment: {
        id: 'd-1',
        image: 'registry.local/web:v2',
        requestedBy: 'test',
        liveColor: 'blue',
        newColor: 'green',
        taskDefinition: 'web:2',
        desiredCount: 2,
        startedAt: T0 - 60_000,
      },
      spec,
      step: { index: 0, phase: 'step', ...step, startedAt: T0, deadlineAt: T0 + 300_000 },
      previous: null,
    };
    return {
      deps: { ...world, metrics },
      event,
      clock,
      setGreen: (w: TrafficWindow) => (green = w),
      store: world.store,
    };
  }

  it('stores time, step, weights, per-color figures, verdict and decision', async () => {
    // Prepare
    const { deps, event, store } = await setup();

    // Act
    const observation = await evaluate(deps, event);

    // Assess
    const record = await store.getDeployment('d-1');
    expect(record?.observations).toEqual([
      {
        at: T0 + 5_000,
        phase: 'step',
        step: 0,
        weights: { blue: 100 - event.step.weight, green: event.step.weight },
        newColor: 'green',
        colors: {
          blue: { requests: 1800, errors: 2, p99Ms: 25 },
          green: { requests: 200, errors: 0, p99Ms: 30, healthy: 2, unhealthy: 1, stops: 0 },
        },
        verdict: observation.verdict,
        decision: observation.decision,
      },
    ]);
  });

  it('appends one point per evaluation, in order, with the failing verdict when green degrades', async () => {
    // Prepare
    const { deps, event, clock, setGreen, store } = await setup();
    await evaluate(deps, event);
    clock.advance(1_000);
    setGreen(window(400, 80, 900));

    // Act
    const second = await evaluate(deps, event);

    // Assess
    const points = (await store.getDeployment('d-1'))?.observations ?? [];
    expect(points.map((p) => p.at)).toEqual([T0 + 5_000, T0 + 6_000]);
    expect(second.verdict).toBe('fail');
    expect(points[1]).toMatchObject({
      verdict: 'fail',
      decision: second.decision,
      colors: { green: { requests: 400, errors: 80, p99Ms: 900 } },
    });
  });
});
