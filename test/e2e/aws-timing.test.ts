/**
 * The rehearsal on AWS timing (end to end): real processes behind the weighted proxy, the proxy's
 * figures published as CloudWatch publishes ALB metrics (60-s periods, 120 s after they end), on
 * a clock compressed 30 times. No step and no bake may pass before the data covering it is
 * published, whatever the adapter claims of its data: every check below is also made against the
 * clock and the proxy's own buckets.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StepObservation } from '../../functions/deploy/evaluate';
import type { Color } from '../../shared/domain/colors';
import type { DeploymentEvent } from '../../shared/domain/deployment';
import { InvalidInputError } from '../../shared/domain/errors';
import { DEFAULT_METRICS_MODEL, type PublishedWindow } from '../../shared/domain/gate';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { LoadGenerator } from '../../shared/local/load-generator';
import { Rehearsal, type DeployResult } from '../../shared/local/rehearsal';
import type { EngineEvent } from '../../shared/local/sfn/engine';

const COMPRESS = 30;
const PERIOD_MS = DEFAULT_METRICS_MODEL.periodSeconds * 1000;
const DELAY_MS = DEFAULT_METRICS_MODEL.publishDelaySeconds * 1000;
const HOLD_SECONDS = 60;
const BAKE_SECONDS = 60;

/** AWS-like holds on the spec's default `metrics` model (CloudWatch's 60 s / 120 s). */
const AWS_PLAN: Partial<DeploymentSpecInput> = {
  plan: { preset: 'canary', weights: [50], holdSeconds: HOLD_SECONDS },
  gate: {
    intervalSeconds: 10,
    minRequests: 10,
    maxErrorRate: 0.01,
    minDetectableIncrease: 0.05,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 900,
  },
  launch: { timeoutSeconds: 600, pollSeconds: 10 },
  bakeSeconds: BAKE_SECONDS,
};

/** One evaluation as the workflow ran it: the step it judged and what it returned. */
interface Evaluation {
  step: { index: number; phase: 'step' | 'bake'; holdSeconds: number; startedAt: number };
  newColor: Color;
  observation: StepObservation;
}

function evaluations(events: EngineEvent[]): Evaluation[] {
  return events
    .filter((e) => e.type === 'StateExited' && (e.state === 'Evaluate' || e.state === 'EvaluateBake'))
    .map((e) => {
      const output = e.output as {
        step: Evaluation['step'];
        deployment: { newColor: Color };
        observation: StepObservation;
      };
      return { step: output.step, newColor: output.deployment.newColor, observation: output.observation };
    });
}

describe('local rehearsal on AWS timing (CloudWatch periods and publication delay, time compressed 30×)', () => {
  let rehearsal: Rehearsal;
  let load: LoadGenerator;
  let base: Awaited<ReturnType<Rehearsal['createService']>>;

  beforeAll(async () => {
    rehearsal = await Rehearsal.start({
      workDir: mkdtempSync(path.join(os.tmpdir(), 'greenlight-aws-timing-')),
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

  /** Checks every evaluation of a run against publication; returns the ones that advanced. */
  function assertJudgedOnPublishedDataOnly(result: DeployResult): Evaluation[] {
    const runs = evaluations(result.events);
    expect(runs.length).toBeGreaterThan(0);
    for (const { observation: o, newColor } of runs) {
      const data: PublishedWindow = o.traffic[newColor] as PublishedWindow;
      expect(data.periodSeconds).toBe(60);
      expect(o.dataUntil).toBe(data.until);
      expect(data.until % PERIOD_MS).toBe(0);
      // Either nothing yet, or only periods that ended at least the delay before the evaluation.
      if (data.until > data.from) expect(o.at).toBeGreaterThanOrEqual(data.until + DELAY_MS);
    }
    return runs.filter((r) => r.observation.decision === 'advance' || r.observation.decision === 'promote');
  }

  it("refuses a spec on the rehearsal's lag-free model before anything runs, naming the field", async () => {
    const input = {
      deploymentId: 'aws-timing-lag-free',
      image: 'greenlight/demo-app:v2',
      spec: { ...base, ...AWS_PLAN, metrics: { periodSeconds: 1, publishDelaySeconds: 0 } },
    };

    await expect(rehearsal.deploy(input)).rejects.toThrow(InvalidInputError);
    await expect(rehearsal.deploy(input)).rejects.toThrow(/^spec\.metrics\.periodSeconds: /);
    expect(await rehearsal.deps.store.getDeployment('aws-timing-lag-free')).toBeNull();
  });

  it('passes a step and the bake only on published data that covers them, and promotes the good release', async () => {
    const from = Date.now();

    const result = await rehearsal.deploy({
      deploymentId: 'aws-timing-good',
      image: 'greenlight/demo-app:v2',
      spec: { ...base, ...AWS_PLAN },
    });

    expect(result.record?.status).toBe('PROMOTED');
    // Every answer was a success: no 5xx from either color or from the proxy. On a starved
    // machine the load generator's own timeouts (status 0, no answer at all) are no answer of
    // the release, so they are not counted, as in the Prometheus demo's test.
    const answered = load.samples.filter((s) => s.at >= from && s.status !== 0);
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.filter((s) => !s.ok).map((s) => `${s.status} ${s.targetGroup}`)).toEqual([]);
    const advanced = assertJudgedOnPublishedDataOnly(result);
    expect(advanced.map((r) => r.step.phase)).toEqual(['step', 'bake']);
    for (const { step, observation: o, newColor } of advanced) {
      const holdEnds = step.startedAt + step.holdSeconds * 1000;
      // The data covers the hold (or the bake), and it was published when the gate passed.
      expect(o.dataUntil).toBeGreaterThanOrEqual(holdEnds);
      expect(o.at).toBeGreaterThanOrEqual(o.dataUntil + DELAY_MS);
      // On the clock alone, whatever the adapter reports: the hold's last period ends at or after
      // the hold, and is readable only the delay later.
      expect(o.at - step.startedAt).toBeGreaterThanOrEqual(step.holdSeconds * 1000 + DELAY_MS);
      // And the figures judged are exactly the proxy's buckets over the published periods.
      const data = o.traffic[newColor] as PublishedWindow;
      const tg = base.slots[newColor].targetGroup;
      expect(data.requests).toBeGreaterThan(0);
      expect(data.requests).toBe(rehearsal.proxy.metrics(tg, data.from, data.until, 'cloudwatch').requests);
    }

    // The history's pass events carry the same published data, recorded after its publication.
    const started = new Map(advanced.map((r) => [r.step.phase, r.step.startedAt]));
    const newColor = advanced[0]!.newColor;
    const passed = result.history.filter((e: DeploymentEvent) => e.type === 'GATE_PASSED');
    expect(passed.map((e) => e.message.split(':')[0])).toEqual(['step 1 passed', 'bake passed']);
    passed.forEach((event, i) => {
      const phase = i === 0 ? 'step' : 'bake';
      const hold = phase === 'step' ? HOLD_SECONDS : BAKE_SECONDS;
      const traffic = (event.data as { traffic: Record<Color, PublishedWindow> }).traffic;
      const until = traffic[newColor].until;
      expect(until).toBeGreaterThanOrEqual(started.get(phase)! + hold * 1000);
      expect(event.at).toBeGreaterThanOrEqual(until + DELAY_MS);
    });
    // Retirement of the rollback target comes after the bake's data was published.
    const retired = result.history.find((e) => e.type === 'OLD_COLOR_RETIRED');
    expect(retired!.at).toBeGreaterThanOrEqual(passed[1]!.at);
  }, 60_000);

  it('rolls the faulty release back on published data, with no pass on the way', async () => {
    const result = await rehearsal.deploy({
      deploymentId: 'aws-timing-bad',
      image: 'greenlight/demo-app:v3-faulty',
      spec: { ...base, ...AWS_PLAN },
    });

    expect(result.record?.status).toBe('ROLLED_BACK');
    expect(result.record?.error?.error).toBe('GateFailed');
    expect(assertJudgedOnPublishedDataOnly(result)).toEqual([]);
    expect(result.history.some((e) => e.type === 'GATE_PASSED')).toBe(false);
    const last = evaluations(result.events).at(-1)!;
    expect(last.observation.decision).toBe('rollback');
    // Judged on two distinct published minutes (consecutiveFailures counts distinct data).
    const failing = evaluations(result.events).filter((r) => r.observation.verdict === 'fail');
    expect(new Set(failing.map((r) => r.observation.dataUntil)).size).toBe(2);
    expect(rehearsal.proxy.getWeights()).toEqual({ 'web-blue-tg': 0, 'web-green-tg': 100 });
  }, 60_000);
});
