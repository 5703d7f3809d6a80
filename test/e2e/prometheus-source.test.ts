/**
 * The `prometheus` metric source against a real Prometheus server (Debian's package, installed in
 * CI by .ci/run): the demo app's /metrics scraped every second, the gate on PromQL.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDemo } from '../../bin/demo';
import { GateMetricsSchema } from '../../shared/domain/gate';
import { LoadGenerator } from '../../shared/local/load-generator';
import { PROMETHEUS_BINARY } from '../../shared/local/prometheus/local-prometheus';
import { Rehearsal } from '../../shared/local/rehearsal';

function requirePrometheus(): void {
  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new Error(
      `${PROMETHEUS_BINARY} is missing: install it with \`apt-get install -y prometheus\` (Debian/Ubuntu)`,
    );
  }
}

describe('prometheus metric source (end to end, real Prometheus)', () => {
  beforeAll(requirePrometheus);

  it('reads each color’s requests and errors from the real server as the proxy counted them', async () => {
    const rehearsal = await Rehearsal.start({
      workDir: mkdtempSync(path.join(os.tmpdir(), 'greenlight-prom-')),
      prometheus: true,
    });
    const load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 50, maxInFlight: 50 });
    try {
      const base = await rehearsal.createService({
        service: 'web',
        image: 'greenlight/demo-app:v3-faulty',
        desiredCount: 1,
      });
      // Prometheus applies discovered targets at most every 5 s: what a task serves before its
      // first scrape is invisible to increase(). Load starts once blue's task is scraped.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const up = await fetch(
          `${rehearsal.prometheus?.url}/api/v1/query?query=${encodeURIComponent('up{color="blue"}')}`,
        );
        const body = (await up.json()) as { data: { result: { value: [number, string] }[] } };
        if (body.data.result[0]?.value[1] === '1') break;
        if (Date.now() > deadline) throw new Error('blue task never scraped');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const from = Date.now();
      load.start();
      await new Promise((resolve) => setTimeout(resolve, 14_000));
      const source = GateMetricsSchema.parse(rehearsal.prometheusSource());
      const targetGroups = { blue: base.slots.blue.targetGroup, green: base.slots.green.targetGroup };
      const now = Date.now();
      const windows = await rehearsal.deps.metrics.sample(targetGroups, from, now, undefined, source);

      // The data is in whole 5-s periods, published 5 s after they end.
      expect(windows.blue.periodSeconds).toBe(5);
      expect(windows.blue.until).toBeGreaterThan(windows.blue.from);
      expect(windows.blue.until).toBeLessThanOrEqual(now - 5_000);
      // The same window as the proxy saw it: Prometheus extrapolates increase() to the window's
      // edges and misses what a task served before its first scrape, so near, not equal.
      const proxy = rehearsal.proxy.metrics(targetGroups.blue, windows.blue.from, windows.blue.until);
      expect(proxy.requests).toBeGreaterThan(100);
      expect(Math.abs(windows.blue.requests - proxy.requests)).toBeLessThanOrEqual(0.25 * proxy.requests);
      // v3-faulty fails 20 % of its requests.
      expect(windows.blue.errors / windows.blue.requests).toBeGreaterThan(0.12);
      expect(windows.blue.errors / windows.blue.requests).toBeLessThan(0.28);
      expect(windows.blue.p99Ms).not.toBeNull();
      // No green task: no series, no traffic, never a figure.
      expect(windows.green).toMatchObject({ requests: 0, p99Ms: null, until: windows.green.from });
    } finally {
      await load.stop();
      await rehearsal.stop();
    }
  }, 90_000);

  it('npm run demo -- --metrics prometheus: the good release is promoted, the faulty one rolled back', async () => {
    const chunks: string[] = [];
    const report = await runDemo({
      metrics: 'prometheus',
      ratePerSecond: 100,
      workDir: mkdtempSync(path.join(os.tmpdir(), 'greenlight-prom-demo-')),
      out: { write: (chunk: string) => chunks.push(chunk) },
    });
    const [good, bad] = report.deployments;
    expect(report.metrics).toBe('prometheus');
    // Failures served by a color are what the gate answers for; on a starved machine the load
    // generator's own timeouts (no color) may add to failedRequests, so they are not asserted.
    expect({ good: good?.outcome, goodServedFailures: good?.failedByColor, bad: bad?.outcome }).toEqual({
      good: 'PROMOTED',
      goodServedFailures: { blue: 0, green: 0 },
      bad: 'ROLLED_BACK',
    });
    expect(chunks.join('')).toMatch(/Metrics: PromQL on a real Prometheus \(http:\/\/127\.0\.0\.1:\d+\)/);
  }, 240_000);
});
