/**
 * The load balancer's own 5xx on the rehearsal with AWS timing (end to end): a new color whose
 * tasks pass their health checks but reset every connection makes the proxy answer 502 itself.
 * As on AWS, those are no error of the target group (HTTPCode_ELB_502_Count exists per load
 * balancer only), so only the gate's load-balancer rule sees them: with it the release is rolled
 * back on published data and the verdict names the load balancer as the source; without it
 * (maxLoadBalancerErrorIncrease null) the same release is promoted.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StepObservation } from '../../functions/deploy/evaluate';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { LOCAL_LOAD_BALANCER } from '../../shared/local/alb/local-metrics';
import { LoadGenerator } from '../../shared/local/load-generator';
import { Rehearsal } from '../../shared/local/rehearsal';
import type { EngineEvent } from '../../shared/local/sfn/engine';

const COMPRESS = 30;

/** AWS-like holds on the spec's default `metrics` model (CloudWatch's 60 s / 120 s). */
const AWS_PLAN: Partial<DeploymentSpecInput> = {
  plan: { preset: 'canary', weights: [50], holdSeconds: 60 },
  gate: { intervalSeconds: 10, minRequests: 10, minDetectableIncrease: 0.05, stepTimeoutSeconds: 900 },
  launch: { timeoutSeconds: 600, pollSeconds: 10 },
  bakeSeconds: 60,
};

function observations(events: EngineEvent[]): StepObservation[] {
  return events
    .filter((e) => e.type === 'StateExited' && (e.state === 'Evaluate' || e.state === 'EvaluateBake'))
    .map((e) => (e.output as { observation: StepObservation }).observation);
}

describe('load-balancer 5xx on the rehearsal with AWS timing (time compressed 30×)', () => {
  let rehearsal: Rehearsal;
  let load: LoadGenerator;
  let base: Awaited<ReturnType<Rehearsal['createService']>>;

  beforeAll(async () => {
    rehearsal = await Rehearsal.start({
      workDir: mkdtempSync(path.join(os.tmpdir(), 'greenlight-elb-5xx-')),
      awsTiming: { compress: COMPRESS },
    });
    base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 1,
    });
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 60, maxInFlight: 50 });
    load.start();
  }, 60_000);

  afterAll(async () => {
    await load?.stop();
    await rehearsal?.stop();
  });

  it('rolls back a color that resets its connections, the verdict naming the load balancer as the source', async () => {
    // Act
    const result = await rehearsal.deploy({
      deploymentId: 'elb-5xx-resets',
      image: 'greenlight/demo-app:v7-resets',
      spec: { ...base, ...AWS_PLAN },
    });

    // Assess
    expect(result.record?.status).toBe('ROLLED_BACK');
    expect(result.record?.error?.error).toBe('GateFailed');
    const failed = result.history.find((e) => e.type === 'GATE_FAILED');
    expect(failed?.message).toContain(`source: load balancer ${LOCAL_LOAD_BALANCER}, shared by both colors`);
    expect(failed?.message).toContain('gate.maxLoadBalancerErrorIncrease');
    const runs = observations(result.events);
    const last = runs.at(-1)!;
    expect(last.decision).toBe('rollback');
    // The new color's own (per-target-group) figures show nothing: CloudWatch has these 502s per load balancer only.
    expect(last.traffic.green.requests).toBeGreaterThan(0);
    expect(last.traffic.green.errors).toBe(0);
    // Judged on published periods only, and the figure is the proxy's own 502s over them.
    const balancer = last.loadBalancer!;
    expect(balancer.periodSeconds).toBe(60);
    expect(balancer.until % 60_000).toBe(0);
    expect(last.at).toBeGreaterThanOrEqual(balancer.until + 120_000);
    expect(balancer.byStatus?.['502']).toBeGreaterThan(0);
    const proxyErrors = rehearsal.proxy
      .targetGroups()
      .reduce((sum, tg) => sum + rehearsal.proxy.loadBalancerErrors(tg, balancer.from, balancer.until), 0);
    expect(balancer.errors).toBe(proxyErrors);
    expect(runs.some((o) => o.decision === 'advance' || o.decision === 'promote')).toBe(false);
    expect(rehearsal.proxy.getWeights()).toEqual({ 'web-blue-tg': 100, 'web-green-tg': 0 });
  }, 90_000);

  it('promotes the same release without the rule: the per-target-group figures never see it', async () => {
    // Act
    const result = await rehearsal.deploy({
      deploymentId: 'elb-5xx-resets-unjudged',
      image: 'greenlight/demo-app:v7-resets',
      spec: { ...base, ...AWS_PLAN, gate: { ...AWS_PLAN.gate, maxLoadBalancerErrorIncrease: null } },
    });

    // Assess
    expect(result.record?.status).toBe('PROMOTED');
    expect(observations(result.events).every((o) => o.loadBalancer === undefined)).toBe(true);
  }, 90_000);
});
