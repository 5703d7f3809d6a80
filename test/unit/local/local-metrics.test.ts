import fc from 'fast-check';
import { InvalidInputError } from '../../../shared/domain/errors';
import { DEFAULT_METRICS_MODEL, LAG_FREE_METRICS_MODEL, periodStart } from '../../../shared/domain/gate';
import {
  CLOUDWATCH_PUBLICATION,
  LOCAL_LOAD_BALANCER,
  LocalMetrics,
} from '../../../shared/local/alb/local-metrics';
import { MetricBuckets, type ResponseOrigin } from '../../../shared/local/alb/metric-buckets';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // a whole minute
const MIN = 60_000;
const TG = { blue: 'blue-tg', green: 'green-tg' };
const OTHER_TG = 'other-service-tg';

/** The two target groups' buckets behind the two proxy calls LocalMetrics makes. */
function world() {
  let now = T0;
  const groups: Record<string, MetricBuckets> = {
    [TG.blue]: new MetricBuckets(),
    [TG.green]: new MetricBuckets(),
    // Another service behind the same load balancer: its figures are the load balancer's too.
    [OTHER_TG]: new MetricBuckets(),
  };
  const proxy = {
    targetGroups: () => Object.keys(groups),
    loadBalancerErrorsByStatus: (tg: string, from: number, to: number) =>
      groups[tg]!.loadBalancerErrorsByStatus(from, to, now),
    metrics: (tg: string, from: number, to: number, view?: 'proxy' | 'cloudwatch') =>
      groups[tg]!.window(from, to, now, view),
    loadBalancerErrors: (tg: string, from: number, to: number) =>
      groups[tg]!.loadBalancerErrors(from, to, now),
  };
  return {
    proxy,
    record: (tg: string, at: number, status = 200, origin: ResponseOrigin = 'target') => {
      groups[tg]!.record(status, 5, at, origin);
    },
    setNow: (at: number) => {
      now = at;
    },
  };
}

describe('LocalMetrics on AWS timing (the proxy buckets as CloudWatch publishes them)', () => {
  it('reports a period only once it ended the publication delay ago', async () => {
    // Prepare: green traffic in the minute [T0, T0 + 60 s)
    const w = world();
    for (let s = 0; s < 60; s += 1) w.record(TG.green, T0 + s * 1000);
    const metrics = new LocalMetrics(w.proxy, { awsTiming: CLOUDWATCH_PUBLICATION });

    // Act: 1 ms before and exactly at end + 120 s
    const before = await metrics.sample(TG, T0 + 10_000, T0 + MIN + 120_000 - 1, DEFAULT_METRICS_MODEL);
    const at = await metrics.sample(TG, T0 + 10_000, T0 + MIN + 120_000, DEFAULT_METRICS_MODEL);

    // Assess
    expect(before.green).toEqual({
      requests: 0,
      errors: 0,
      p50Ms: null,
      p99Ms: null,
      from: T0,
      until: T0,
      periodSeconds: 60,
    });
    expect(at.green).toMatchObject({ requests: 60, from: T0, until: T0 + MIN, periodSeconds: 60 });
  });

  it('does not read a period that has not landed as a quiet one when the spec assumes a shorter delay', async () => {
    // Prepare: the spec assumes 0 s, the simulated CloudWatch takes 120 s
    const w = world();
    w.record(TG.green, T0 + 1000);
    const metrics = new LocalMetrics(w.proxy, { awsTiming: CLOUDWATCH_PUBLICATION });

    // Act
    const sample = await metrics.sample(TG, T0, T0 + MIN + 30_000, {
      periodSeconds: 60,
      publishDelaySeconds: 0,
    });

    // Assess
    expect(sample.green).toMatchObject({ requests: 0, until: T0 });
  });

  it('counts data as complete only up to the last published period with a request', async () => {
    // Prepare: requests in the first minute only, three minutes published
    const w = world();
    w.record(TG.green, T0 + 5000);
    const metrics = new LocalMetrics(w.proxy, { awsTiming: CLOUDWATCH_PUBLICATION });

    // Act
    const sample = await metrics.sample(TG, T0, T0 + 3 * MIN + 120_000, DEFAULT_METRICS_MODEL);

    // Assess
    expect(sample.green).toMatchObject({ requests: 1, until: T0 + MIN });
    expect(sample.blue).toMatchObject({ requests: 0, until: T0 });
  });

  it('never asks beyond what the spec model calls published, even when more has landed', async () => {
    // Prepare: the spec assumes 180 s, the simulated CloudWatch takes 120 s
    const w = world();
    w.record(TG.green, T0 + 1000);
    w.record(TG.green, T0 + MIN + 1000);
    const metrics = new LocalMetrics(w.proxy, { awsTiming: CLOUDWATCH_PUBLICATION });

    // Act: at T0 + 4 min both minutes landed, only the first is published by the spec's model
    const sample = await metrics.sample(TG, T0, T0 + 4 * MIN, {
      periodSeconds: 60,
      publishDelaySeconds: 180,
    });

    // Assess
    expect(sample.green).toMatchObject({ requests: 1, until: T0 + MIN });
  });

  it("counts target 5xx and failed connections per target group, the balancer's own 5xx per load balancer only", async () => {
    // Prepare
    const w = world();
    w.record(TG.green, T0 + 1000, 200);
    w.record(TG.green, T0 + 2000, 500, 'target');
    w.record(TG.green, T0 + 3000, 502, 'connection');
    w.record(TG.green, T0 + 4000, 502, 'load-balancer');
    w.record(TG.green, T0 + 5000, 504, 'load-balancer');
    w.record(TG.green, T0 + 6000, 503, 'no-target');
    const metrics = new LocalMetrics(w.proxy, { awsTiming: CLOUDWATCH_PUBLICATION });
    const lagFree = new LocalMetrics(w.proxy);

    // Act
    const aws = await metrics.sample(TG, T0, T0 + 3 * MIN, DEFAULT_METRICS_MODEL);
    const proxyView = await lagFree.sample(TG, T0, T0 + MIN);

    // Assess: the no-target 503 is no request of the group, the 502/504 after choosing a target are
    expect(aws.green).toMatchObject({ requests: 5, errors: 2 });
    expect(metrics.loadBalancerErrors(TG, T0, T0 + MIN)).toBe(3);
    expect(proxyView.green).toMatchObject({ requests: 6, errors: 5 });
  });

  it('refuses a spec model that is not in whole CloudWatch periods, naming the field', async () => {
    const metrics = new LocalMetrics(world().proxy, { awsTiming: CLOUDWATCH_PUBLICATION });

    const sampling = metrics.sample(TG, T0, T0 + MIN, LAG_FREE_METRICS_MODEL);

    await expect(sampling).rejects.toThrow(InvalidInputError);
    await expect(sampling).rejects.toThrow('metrics.periodSeconds');
  });

  it('reads lag-free 1-s data by default, and says so in every sample', async () => {
    const w = world();
    w.record(TG.green, T0 + 1500);
    const metrics = new LocalMetrics(w.proxy);

    const sample = await metrics.sample(TG, T0 + 1000, T0 + 2000, DEFAULT_METRICS_MODEL);

    expect(sample.green).toMatchObject({ requests: 1, from: T0 + 1000, until: T0 + 2000, periodSeconds: 1 });
  });

  it('never reports an unpublished period, and reports every request of the published ones', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 10 * MIN - 1 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 10 * MIN }),
        fc.integer({ min: 0, max: 14 * MIN }),
        fc.integer({ min: 0, max: 4 }).map((n) => n * 30),
        async (offsets, fromOffset, nowOffset, delay) => {
          const w = world();
          const times = offsets.map((o) => T0 + o);
          for (const at of times) w.record(TG.green, at);
          const publication = { periodSeconds: 60, publishDelaySeconds: delay };
          const metrics = new LocalMetrics(w.proxy, { awsTiming: publication });
          const now = T0 + nowOffset;
          w.setNow(now);

          const { green } = await metrics.sample(TG, T0 + fromOffset, now, publication);

          const start = periodStart(T0 + fromOffset, 60);
          expect(green.from).toBe(start);
          expect((green.until - start) % MIN).toBe(0);
          // Published: every period in the data ended at least `delay` before now.
          expect(green.until === start || green.until + delay * 1000 <= now).toBe(true);
          expect(green.requests).toBe(times.filter((t) => t >= start && t < green.until).length);
          // Complete up to the last published period with a request, no further and no less.
          const edge = Math.max(start, periodStart(now - delay * 1000, 60));
          const lastWithData = times.filter((t) => t >= start && t < edge).sort((a, b) => b - a)[0];
          expect(green.until).toBe(lastWithData === undefined ? start : periodStart(lastWithData, 60) + MIN);
        },
      ),
    );
  });
});

describe('LocalMetrics.sampleLoadBalancer (the proxy as one load balancer, as CloudWatch publishes it)', () => {
  it('sums every target group, counts the proxy’s own 502/503/504 by status, and only published periods', async () => {
    // Prepare: in [T0, T0 + 60 s) green answers 10 requests itself and 5 reset (502) or hang (504);
    // another service on the balancer serves 5 requests; a 503 without a target; the next minute too.
    const w = world();
    for (let s = 0; s < 10; s += 1) w.record(TG.green, T0 + s * 1000, 200);
    for (let s = 0; s < 3; s += 1) w.record(TG.green, T0 + s * 1000, 502, 'load-balancer');
    for (let s = 0; s < 2; s += 1) w.record(TG.green, T0 + s * 1000, 504, 'load-balancer');
    for (let s = 0; s < 5; s += 1) w.record(OTHER_TG, T0 + s * 1000, 200);
    w.record(TG.blue, T0 + 30_000, 503, 'no-target');
    w.record(TG.green, T0 + MIN + 1000, 502, 'load-balancer');
    const metrics = new LocalMetrics(w.proxy, { awsTiming: CLOUDWATCH_PUBLICATION });

    // Act: the second minute is not published yet at T0 + 60 s + 120 s + 30 s
    const windows = { since: T0, baseline: { from: T0 - 10 * MIN, to: T0 } };
    const reading = await metrics.sampleLoadBalancer(TG, windows, T0 + MIN + 150_000, DEFAULT_METRICS_MODEL);
    const early = await metrics.sampleLoadBalancer(TG, windows, T0 + MIN + 119_999, DEFAULT_METRICS_MODEL);

    // Assess: RequestCount leaves out the 503 sent before any target was chosen, as on AWS
    expect(reading?.step).toEqual({
      loadBalancer: LOCAL_LOAD_BALANCER,
      requests: 20,
      errors: 6,
      byStatus: { '502': 3, '503': 1, '504': 2 },
      from: T0,
      until: T0 + MIN,
      periodSeconds: 60,
    });
    expect(early?.step).toMatchObject({ requests: 0, errors: 0, until: T0 });
    expect(reading?.baseline).toMatchObject({
      requests: 0,
      errors: 0,
      from: T0 - 10 * MIN,
      until: T0 - 10 * MIN,
    });
  });

  it('stops at toMs (the baseline before a deployment) on whole periods', async () => {
    // Prepare: errors before and after T0 + 2 min
    const w = world();
    w.record(TG.blue, T0 + 1000, 200);
    w.record(TG.blue, T0 + 2 * MIN + 1000, 502, 'load-balancer');
    const metrics = new LocalMetrics(w.proxy, { awsTiming: CLOUDWATCH_PUBLICATION });

    // Act
    const reading = await metrics.sampleLoadBalancer(
      TG,
      { since: T0 + 2 * MIN, baseline: { from: T0, to: T0 + 2 * MIN + 30_000 } },
      T0 + 10 * MIN,
    );

    // Assess
    expect(reading?.baseline).toMatchObject({ requests: 1, errors: 0, from: T0, until: T0 + MIN });
    // A reset after choosing a target is still a request (RequestCount), as on AWS.
    expect(reading?.step).toMatchObject({ requests: 1, errors: 1, from: T0 + 2 * MIN, until: T0 + 3 * MIN });
  });

  it('has no separate figure lag-free: the per-target-group view already counts those errors against the color', async () => {
    // Prepare
    const w = world();
    w.record(TG.green, T0 + 1000, 502, 'load-balancer');
    const metrics = new LocalMetrics(w.proxy);

    // Act
    const windows = { since: T0, baseline: { from: T0 - 10 * MIN, to: T0 } };
    const reading = await metrics.sampleLoadBalancer(TG, windows, T0 + 5000, LAG_FREE_METRICS_MODEL);
    const window = await metrics.sample(TG, T0, T0 + 5000, LAG_FREE_METRICS_MODEL);

    // Assess
    expect(reading).toBeNull();
    expect(window.green.errors).toBe(1);
  });
});
