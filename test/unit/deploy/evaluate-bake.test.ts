import { evaluate } from '../../../functions/deploy/evaluate';
import { publishedUntil, type MetricsModel, type TrafficWindow } from '../../../shared/domain/gate';
import { bakeStep } from '../../../shared/domain/plan';
import { SpecSchema } from '../../../shared/domain/spec';
import { ManualClock } from '../../support/memory-ports';
import type { Metrics } from '../../../shared/ports/metrics';
import { memoryWorld } from '../../support/memory-world';
import { specFor } from '../../fixtures/spec';

const T0 = Date.UTC(2026, 0, 1);
const traffic = (requests: number, errors: number): TrafficWindow => ({
  requests,
  errors,
  p50Ms: 5,
  p99Ms: 20,
});
const idle = traffic(0, 0);

/** A bake of 600 s with 60 s windows, evaluated `secondsIn` after it began; metrics by window start. */
function bakeAt(
  secondsIn: number,
  windows: Map<number, TrafficWindow>,
  mode: 'sequential' | 'fixed-window' = 'sequential',
  /** The spec's metrics model; the metrics below honour it (CloudWatch-like), default lag-free. */
  model?: MetricsModel,
) {
  const clock = new ManualClock(T0 + secondsIn * 1000);
  const world = memoryWorld({ clock });
  world.router.health['web-green-tg'] = { healthy: 2, unhealthy: 0, transitioning: 0 };
  const samples: { from: number; to: number }[] = [];
  const metrics: Metrics = {
    sample: async (_groups, from, to) => {
      samples.push({ from, to });
      const published = {
        from,
        until: model ? publishedUntil(from, to, model) : to,
        periodSeconds: model?.periodSeconds ?? 1,
      };
      return { blue: { ...idle, ...published }, green: { ...(windows.get(from) ?? idle), ...published } };
    },
    sampleLoadBalancer: async () => null,
  };
  const spec = SpecSchema.parse(
    specFor(
      {
        bakeSeconds: 600,
        bakeWindowSeconds: 60,
        gate: { mode, stepTimeoutSeconds: 300 },
        ...(model ? { metrics: model } : {}),
      },
      { pace: 'memory' },
    ),
  );
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
    step: bakeStep(spec, T0),
    previous: null,
  };
  return { deps: { ...world, metrics }, samples, event };
}

describe('evaluate in the bake: the latest window', () => {
  it('fails a release that degrades late, although the whole bake still looks good', async () => {
    // 250 s of good traffic (0.5 %), then the latest window (from 240 s) at 6 % 5xx.
    const { deps, samples, event } = bakeAt(
      250,
      new Map([
        [T0, traffic(50_000, 310)],
        [T0 + 240_000, traffic(2_000, 120)],
      ]),
    );

    const observation = await evaluate(deps, event);

    expect(samples.map((s) => s.from)).toEqual([T0, T0 + 240_000]);
    expect(observation.verdict).toBe('fail');
    expect(
      observation.reasons.some((r) =>
        /^latest bake window: 5xx rate 6\.0% on .* above the 1% limit: log e-value/.test(r),
      ),
    ).toBe(true);
  });

  it('cuts the latest window from published data, not from the evaluation time', async () => {
    // 250 s in, 60-s periods read 120 s after they end: published up to 120 s, so the current
    // window is [60 s, 120 s), whole; [240 s, 250 s) holds nothing CloudWatch has published.
    const { deps, samples, event } = bakeAt(
      250,
      new Map([
        [T0, traffic(24_000, 120)],
        [T0 + 60_000, traffic(12_000, 720)],
      ]),
      'sequential',
      { periodSeconds: 60, publishDelaySeconds: 120 },
    );

    const observation = await evaluate(deps, event);

    expect(samples.map((s) => s.from)).toEqual([T0, T0 + 60_000]);
    expect(observation.dataUntil).toBe(T0 + 120_000);
    expect(
      observation.reasons.some((r) =>
        /^latest bake window: 5xx rate 6\.0% on .* above the 1% limit: log e-value/.test(r),
      ),
    ).toBe(true);
  });

  it('keeps a fixed-window gate to its one window: no latest-window reads', async () => {
    const { deps, samples, event } = bakeAt(
      250,
      new Map([
        [T0, traffic(50_000, 310)],
        [T0 + 240_000, traffic(2_000, 120)],
      ]),
      'fixed-window',
    );

    const observation = await evaluate(deps, event);

    expect(samples.map((s) => s.from)).toEqual([T0]);
    expect(observation.reasons.some((r) => r.includes('latest bake window'))).toBe(false);
  });

  it('reads only the whole bake while its first window is open', async () => {
    const { deps, samples, event } = bakeAt(30, new Map([[T0, traffic(6_000, 30)]]));

    const observation = await evaluate(deps, event);

    expect(samples.map((s) => s.from)).toEqual([T0]);
    expect(observation.reasons.some((r) => r.includes('latest bake window'))).toBe(false);
  });

  it('adds nothing to the verdict while the latest window is fine', async () => {
    const windows = new Map([
      [T0, traffic(50_000, 250)],
      [T0 + 240_000, traffic(2_000, 10)],
    ]);
    const { deps, event } = bakeAt(250, windows);

    const observation = await evaluate(deps, event);

    expect(observation.verdict).toBe('pass');
    expect(observation.reasons.some((r) => r.includes('latest bake window'))).toBe(false);
  });
});
