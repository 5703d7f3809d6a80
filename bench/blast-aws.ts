/**
 * Blast radius on AWS timing (simulated, not AWS): how many user requests fail before a bad
 * release is rolled back, and how long a good one takes, when the gate can only see CloudWatch's
 * ALB metrics as AWS publishes them. The real-time rehearsal's figures are `npm run bench -- blast`.
 *
 * Model, seeded, on a virtual clock (no real waiting):
 * - Traffic: Poisson arrivals at 200 requests/s, each second split by the listener's weights
 *   (Poisson thinning); a response is a 5xx with the color's error rate (Binomial per second).
 *   Latency is not part of the scenario (both colors report the same p50/p99).
 * - CloudWatch: per target group, one data point per minute with requests; a minute becomes
 *   readable after a lag drawn uniformly in [60, 120] s after it ends (AWS: "a minute or more"; it
 *   states no bound). CloudWatch alarms see each minute as soon as it lands.
 * - Greenlight: the spec's default metrics model (60-s periods read 120 s after they end), the
 *   real plan expansion (SpecSchema), nextStep/bakeStep, readingWindows/latestBakeWindow and
 *   judgeStep/judgeBake/judgeTestRound every `intervalSeconds`, fed by a sampler that mirrors the
 *   CloudWatch adapter (whole published minutes from the step's minute, complete up to the last
 *   minute with data). Weights move at the decision (the API calls' seconds are not modelled).
 * - CodeDeploy: CodeDeployDefault.ECSCanary10Percent5Minutes from the real preset (10 % for 300 s,
 *   then 100 %), then a 300 s termination wait (terminationWaitTimeInMinutes 5, as long as
 *   Greenlight's bake) with the alarm still able to roll back. The alarm: metric math
 *   HTTPCode_Target_5XX_Count / RequestCount of the new target group > 1 % (the same 1 % as
 *   Greenlight's maxErrorRate), period 60 s, 1 of 1 datapoints, missing data not breaching,
 *   evaluated at every minute boundary on the minutes published by then; CodeDeploy is assumed
 *   to roll back at that very evaluation (kinder than its polling).
 * - Test traffic: rounds of `probes.requests` probes every `testTraffic.intervalSeconds`, each
 *   failing with the release's error rate; probes are real time (no CloudWatch involved) and are
 *   not user requests, so they are not counted as failed requests.
 *
 * failedRequests counts production 5xx served by the new color from its first weighted request
 * to the rollback (or the end of the bake). detectMs: first production shift (or the test phase's
 * start) to the rollback decision. promotionMs: to the shift to 100 %. durationMs: to the end.
 */
import { parseArgs } from 'node:util';
import type { Color } from '../shared/domain/colors';
import {
  gateMetricsModel,
  judgeBake,
  judgeStep,
  judgeTestRound,
  latestBakeWindow,
  periodStart,
  publishedUntil,
  readingWindows,
  type PreviousEvaluation,
  type ProbeResult,
  type PublishedWindow,
  type StepObservation,
} from '../shared/domain/gate';
import { bakeStep, nextStep, testTrafficPhase } from '../shared/domain/plan';
import { SpecSchema, type DeploymentSpec, type DeploymentSpecInput } from '../shared/domain/spec';
import { binomial, seededRandom, type Random } from '../shared/domain/statistics/random';
import { benchSpec } from './gate';
import type { BenchResult } from './run';
import { quantile, textTable } from './stats';

const RATE_PER_SECOND = 200;
const BAD_ERROR_RATE = 0.2;
const GOOD_ERROR_RATE = 0.005;
const LIVE_ERROR_RATE = 0.005;
/** The true publication lag of a minute, drawn per minute (seconds after it ends). */
const LAG_SECONDS = { min: 60, max: 120 } as const;
/** The fast row's source: 10-s periods read 20 s after they end (see HIGH_RESOLUTION_PUBLICATION). */
const HIGH_RESOLUTION_PERIOD_SECONDS = 10;
const HIGH_RESOLUTION_READ_DELAY_SECONDS = 20;
const BAKE_SECONDS = 300;
const CODEDEPLOY_TERMINATION_WAIT_SECONDS = 300;
const ALARM_THRESHOLD = 0.01;
const LATENCY = { p50Ms: 20, p99Ms: 80 } as const;
const HEALTHY = { healthy: 2, unhealthy: 0, transitioning: 0 } as const;
const COLORS = { live: 'blue', new: 'green', cluster: 'bench', service: 'bench-green' } as const;

/**
 * Greenlight's plan for AWS timing: each step waits for its own published minute (about 2.5 min),
 * so one small step decides the canary: 1 % of traffic (2 requests/s here), judged as a smoke test
 * (δ = +10 pp: a gross failure is caught on the first published minute, a good release passes on
 * about a minute of its data), then 100 % with the whole gate in the bake (δ = +2 pp on all the
 * traffic, blue kept at full size: a rollback is a weight flip).
 */
/**
 * The `cloudwatch` source on the application's high-resolution metrics (what the sampler
 * stands for: the adapter's per-period points, summed, complete up to the last period with requests).
 */
const FAST_SOURCE = {
  source: 'cloudwatch',
  periodSeconds: HIGH_RESOLUTION_PERIOD_SECONDS,
  publishDelaySeconds: HIGH_RESOLUTION_READ_DELAY_SECONDS,
  queries: {
    requests: {
      metric: { namespace: 'App', name: 'Requests', dimensions: { color: '{{color}}' } },
      stat: 'Sum',
    },
    errors: {
      metric: { namespace: 'App', name: 'Errors5xx', dimensions: { color: '{{color}}' } },
      stat: 'Sum',
    },
    p99: { metric: { namespace: 'App', name: 'Latency', dimensions: { color: '{{color}}' } }, stat: 'p99' },
  },
} as const;

export const AWS_PLAN = {
  steps: [{ weight: 1, holdSeconds: 60, gate: { minDetectableIncrease: 0.1, finalLookSeconds: 60 } }],
} satisfies DeploymentSpecInput['plan'];

const TEST_TRAFFIC = { listener: 'bench-test-listener', holdSeconds: 30 };
const PROBES = { url: 'http://bench-test-listener.local/health', requests: 10 };

type Outcome = 'PROMOTED' | 'ROLLED_BACK';

interface RunResult {
  outcome: Outcome;
  failedRequests: number;
  /** Rolled back: when the rollback was decided, from the start. */
  detectMs: number | null;
  promotionMs: number | null;
  durationMs: number;
}

/** A Poisson(λ) variate by inversion (λ ≤ 700 keeps e^-λ representable). */
function poisson(random: Random, lambda: number): number {
  if (lambda <= 0) return 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  let k = 0;
  const u = random();
  while (u > cdf && k < 10_000) {
    k += 1;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

/** When one source's periods land: its period and the true lag after a period ends (seconds). */
interface Publication {
  periodSeconds: number;
  lagSeconds: { min: number; max: number };
}

/** CloudWatch's ALB metrics: 60-s periods landing 60–120 s after they end. */
const ALB_PUBLICATION: Publication = { periodSeconds: 60, lagSeconds: LAG_SECONDS };

/**
 * High-resolution custom metrics (the application's own, e.g. EMF with a `color` dimension) in
 * 10-s periods. AWS states no bound either: "you can watch the metrics scroll across your screen
 * seconds after they are published" (AWS News Blog, "New – High-Resolution Custom Metrics and
 * Alarms for Amazon CloudWatch", 2017), and EMF adds its log flush: "flush logs to CloudWatch Logs
 * at an interval of 5 seconds or less to avoid introducing an additional delay" (CloudWatch User
 * Guide, "Setting alarms on metrics created with the embedded metric format"; the CloudWatch
 * agent's force_flush_interval defaults to 5 s). Modelled: each period lands 5–20 s after it ends
 * (a 5-s flush plus up to 15 s of ingestion), read by Greenlight 20 s after it ends.
 */
const HIGH_RESOLUTION_PUBLICATION: Publication = {
  periodSeconds: HIGH_RESOLUTION_PERIOD_SECONDS,
  lagSeconds: { min: 5, max: 20 },
};

/** The load balancer and one metric source: traffic per second, periods published after their lag. */
class SimulatedAlb {
  /** Period start → per color requests and 5xx. */
  private readonly periods = new Map<number, Record<Color, { requests: number; errors: number }>>();
  private readonly lagMs = new Map<number, number>();
  private readonly periodMs: number;
  greenWeight = 0;
  failedRequests = 0;

  constructor(
    private readonly random: Random,
    private readonly greenErrorRate: number,
    private readonly publication: Publication = ALB_PUBLICATION,
  ) {
    this.periodMs = publication.periodSeconds * 1000;
  }

  /** Serves the second [at, at + 1 s). */
  serve(at: number): void {
    const period = periodStart(at, this.publication.periodSeconds);
    let bucket = this.periods.get(period);
    if (!bucket) {
      bucket = { blue: { requests: 0, errors: 0 }, green: { requests: 0, errors: 0 } };
      this.periods.set(period, bucket);
      const { min, max } = this.publication.lagSeconds;
      this.lagMs.set(period, (min + this.random() * (max - min)) * 1000);
    }
    const w = this.greenWeight / 100;
    const green = poisson(this.random, RATE_PER_SECOND * w);
    const blue = poisson(this.random, RATE_PER_SECOND * (1 - w));
    const greenErrors = binomial(this.random, green, this.greenErrorRate);
    bucket.green.requests += green;
    bucket.green.errors += greenErrors;
    bucket.blue.requests += blue;
    bucket.blue.errors += binomial(this.random, blue, LIVE_ERROR_RATE);
    this.failedRequests += greenErrors;
  }

  /** Whether the source has the period starting at `period` at `now`. */
  landed(period: number, now: number): boolean {
    const lag = this.lagMs.get(period);
    return lag !== undefined && period + this.periodMs + lag <= now;
  }

  /**
   * What the CloudWatch adapters return: whole periods from `from`'s period up to the model's
   * published edge (a period the true lag still holds back has no data), complete up to the last
   * period with requests.
   */
  sample(from: number, now: number, spec: DeploymentSpec): Record<Color, PublishedWindow> {
    const model = gateMetricsModel(spec);
    const start = periodStart(from, model.periodSeconds);
    const end = publishedUntil(from, now, model);
    const window = (color: Color): PublishedWindow => {
      let requests = 0;
      let errors = 0;
      let until = start;
      for (let period = start; period < end; period += this.periodMs) {
        const bucket = this.periods.get(period)?.[color];
        if (!bucket || !this.landed(period, now) || bucket.requests === 0) continue;
        requests += bucket.requests;
        errors += bucket.errors;
        until = period + this.periodMs;
      }
      const latency = requests > 0 ? LATENCY : { p50Ms: null, p99Ms: null };
      return { requests, errors, ...latency, from: start, until, periodSeconds: model.periodSeconds };
    };
    return { blue: window('blue'), green: window('green') };
  }

  /** The new target group's period starting at `period`: its 5xx share, or null without data. */
  greenRate(period: number): number | null {
    const bucket = this.periods.get(period)?.green;
    return bucket && bucket.requests > 0 ? bucket.errors / bucket.requests : null;
  }
}

/** A deployment's start: anywhere in a minute (the launch takes its own time). */
const startTime = (random: Random) => Date.UTC(2026, 0, 1, 12) + Math.floor(random() * 60) * 1000;

/** Advances the simulation second by second to `until`, serving traffic. */
function serveUntil(alb: SimulatedAlb, clock: { now: number }, until: number): void {
  for (; clock.now < until; clock.now += 1000) alb.serve(clock.now);
}

function greenlightRun(
  spec: DeploymentSpec,
  errorRate: number,
  random: Random,
  publication: Publication = ALB_PUBLICATION,
): RunResult {
  const alb = new SimulatedAlb(random, errorRate, publication);
  const t0 = startTime(random);
  const clock = { now: t0 };
  const done = (outcome: Outcome, promotionAt: number | null): RunResult => ({
    outcome,
    failedRequests: alb.failedRequests,
    detectMs: outcome === 'ROLLED_BACK' ? clock.now - t0 : null,
    promotionMs: promotionAt === null ? null : promotionAt - t0,
    durationMs: clock.now - t0,
  });

  const test = testTrafficPhase(spec, clock.now);
  if (test && spec.probes && spec.testTraffic) {
    const probes = spec.probes;
    let failures = 0;
    for (;;) {
      serveUntil(alb, clock, clock.now + test.intervalSeconds * 1000);
      const results: ProbeResult[] = Array.from({ length: probes.requests }, () =>
        random() < errorRate ? { status: 503, latencyMs: 5 } : { status: 200, latencyMs: 5 },
      );
      const { observation } = judgeTestRound({
        phase: { ...test, consecutiveFailures: spec.testTraffic.consecutiveFailures },
        previousFailures: failures,
        now: clock.now,
        colors: COLORS,
        gate: spec.gate,
        probes,
        readings: { probeResults: results, health: HEALTHY, stoppedTasks: [], alarmsFiring: [], control: {} },
      });
      failures = observation.consecutiveFailures;
      if (observation.decision === 'rollback') return done('ROLLED_BACK', null);
      if (observation.decision === 'advance' || observation.decision === 'promote') break;
    }
  }

  let previous: PreviousEvaluation | null = null;
  let index: number | null = null;
  let promotionAt: number | null = null;
  for (;;) {
    const cursor = nextStep(spec, index, clock.now);
    const step = cursor.done ? bakeStep(spec, clock.now) : cursor;
    if (step.done) throw new Error('unreachable: the bake is never done');
    if (step.phase === 'bake') promotionAt = clock.now;
    alb.greenWeight = step.weight;
    for (;;) {
      serveUntil(alb, clock, clock.now + step.gate.intervalSeconds * 1000);
      const windows = readingWindows(step, previous);
      const traffic = alb.sample(windows.trafficSince, clock.now, spec);
      const base = {
        step,
        previous,
        now: clock.now,
        colors: COLORS,
        windows,
        readings: {
          traffic,
          health: HEALTHY,
          stoppedTasks: [],
          probeResults: spec.probes
            ? Array.from({ length: spec.probes.requests }, (): ProbeResult =>
                random() < errorRate ? { status: 503, latencyMs: 5 } : { status: 200, latencyMs: 5 },
              )
            : null,
          alarmsFiring: [],
          control: {},
        },
        probes: spec.probes,
      };
      let observation: StepObservation;
      if (step.phase === 'bake') {
        const window = latestBakeWindow(step, traffic.green, spec.bakeWindowSeconds);
        const latestWindow = window ? { window, traffic: alb.sample(window.from, clock.now, spec) } : null;
        observation = judgeBake({ ...base, readings: { ...base.readings, latestWindow } }).observation;
      } else {
        observation = judgeStep(base).observation;
      }
      previous = observation;
      if (observation.decision === 'rollback') {
        alb.greenWeight = 0;
        return done('ROLLED_BACK', promotionAt);
      }
      if (observation.decision === 'advance' || observation.decision === 'promote') break;
    }
    if (step.phase === 'bake') return done('PROMOTED', promotionAt);
    index = step.index;
  }
}

function codeDeployRun(spec: DeploymentSpec, errorRate: number, random: Random): RunResult {
  const alb = new SimulatedAlb(random, errorRate);
  const t0 = startTime(random);
  const clock = { now: t0 };
  const [canary] = spec.plan.steps;
  if (!canary) throw new Error('the CodeDeploy preset has one step');
  const shiftAt = t0 + canary.holdSeconds * 1000;
  const endAt = shiftAt + CODEDEPLOY_TERMINATION_WAIT_SECONDS * 1000;
  alb.greenWeight = canary.weight;
  // The alarm evaluates at every minute boundary; each minute is evaluated once it has landed.
  const judged = new Set<number>();
  for (let at = periodStart(t0, 60) + 60_000; ; at += 60_000) {
    const stop = Math.min(at, endAt);
    if (clock.now < shiftAt && stop > shiftAt) {
      serveUntil(alb, clock, shiftAt);
      alb.greenWeight = 100;
    }
    serveUntil(alb, clock, stop);
    if (clock.now >= endAt) {
      return {
        outcome: 'PROMOTED',
        failedRequests: alb.failedRequests,
        detectMs: null,
        promotionMs: shiftAt - t0,
        durationMs: clock.now - t0,
      };
    }
    // 1 of 1 datapoints: the latest landed minute decides (missing data: not breaching).
    let latest: number | null = null;
    for (let minute = periodStart(t0, 60); minute < at; minute += 60_000) {
      if (alb.landed(minute, at) && !judged.has(minute)) latest = minute;
    }
    if (latest === null) continue;
    judged.add(latest);
    const rate = alb.greenRate(latest);
    if (rate !== null && rate > ALARM_THRESHOLD) {
      alb.greenWeight = 0;
      return {
        outcome: 'ROLLED_BACK',
        failedRequests: alb.failedRequests,
        detectMs: clock.now - t0,
        promotionMs: clock.now >= shiftAt ? shiftAt - t0 : null,
        durationMs: clock.now - t0,
      };
    }
  }
}

interface Row {
  key: string;
  label: string;
  runs: number;
  outcomes: Record<string, number>;
  failedRequests: { median: number; p95: number };
  detectMs: { median: number | null };
  promotionMs: { median: number | null };
  durationMs: { median: number };
}

function summarise(key: string, label: string, results: RunResult[]): Row {
  const outcomes: Record<string, number> = { PROMOTED: 0, ROLLED_BACK: 0 };
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const detected = results.flatMap((r) => (r.detectMs === null ? [] : [r.detectMs]));
  const promoted = results.flatMap((r) =>
    r.outcome === 'PROMOTED' && r.promotionMs !== null ? [r.promotionMs] : [],
  );
  const failed = results.map((r) => r.failedRequests);
  return {
    key,
    label,
    runs: results.length,
    outcomes,
    failedRequests: { median: quantile(failed, 0.5), p95: quantile(failed, 0.95) },
    detectMs: { median: detected.length > 0 ? quantile(detected, 0.5) : null },
    promotionMs: { median: promoted.length > 0 ? quantile(promoted, 0.5) : null },
    durationMs: {
      median: quantile(
        results.map((r) => r.durationMs),
        0.5,
      ),
    },
  };
}

export async function blastAws(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { runs: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100_000) {
    throw new Error(`--runs: expected 1 to 100000, got ${values.runs}`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed: expected an integer, got ${values.seed}`);

  const base = {
    ...benchSpec({}),
    bakeSeconds: BAKE_SECONDS,
    launch: { timeoutSeconds: 600, pollSeconds: 10 },
  };
  const greenlight = SpecSchema.parse({ ...base, plan: AWS_PLAN });
  const greenlightTest = SpecSchema.parse({
    ...base,
    plan: AWS_PLAN,
    testTraffic: TEST_TRAFFIC,
    probes: PROBES,
  });
  const codeDeploy = SpecSchema.parse({ ...base, plan: { preset: 'codedeploy-canary-10-5' } });
  const greenlightFast = SpecSchema.parse({
    ...base,
    plan: AWS_PLAN,
    gate: { ...base.gate, metrics: FAST_SOURCE },
  });

  const policies: [string, string, (random: Random) => RunResult][] = [
    [
      'codedeploy-alarm-bad',
      'CodeDeploy canary 10 % 5 min + 5xx alarm, bad (20 % 5xx)',
      (r) => codeDeployRun(codeDeploy, BAD_ERROR_RATE, r),
    ],
    [
      'greenlight-bad',
      'Greenlight AWS plan, bad (20 % 5xx)',
      (r) => greenlightRun(greenlight, BAD_ERROR_RATE, r),
    ],
    [
      'codedeploy-alarm-good',
      'CodeDeploy canary 10 % 5 min + 5xx alarm, good (0.5 % 5xx)',
      (r) => codeDeployRun(codeDeploy, GOOD_ERROR_RATE, r),
    ],
    [
      'greenlight-good',
      'Greenlight AWS plan, good (0.5 % 5xx)',
      (r) => greenlightRun(greenlight, GOOD_ERROR_RATE, r),
    ],
    [
      'greenlight-fast-bad',
      'Greenlight AWS plan on high-resolution custom metrics (10-s periods), bad (20 % 5xx)',
      (r) => greenlightRun(greenlightFast, BAD_ERROR_RATE, r, HIGH_RESOLUTION_PUBLICATION),
    ],
    [
      // The fast source's price: a good release judged on the same 10-s periods and lag model.
      'greenlight-fast-good',
      'Greenlight AWS plan on high-resolution custom metrics (10-s periods), good (0.5 % 5xx)',
      (r) => greenlightRun(greenlightFast, GOOD_ERROR_RATE, r, HIGH_RESOLUTION_PUBLICATION),
    ],
    [
      'greenlight-test-bad',
      'Greenlight AWS plan after test traffic, bad (20 % 5xx)',
      (r) => greenlightRun(greenlightTest, BAD_ERROR_RATE, r),
    ],
  ];
  const started = Date.now();
  const rows = policies.map(([key, label, run], p) => {
    const results: RunResult[] = [];
    for (let i = 0; i < runs; i++) results.push(run(seededRandom(seed + 100_000 * p + i)));
    return summarise(key, label, results);
  });

  const row = (key: string) => rows.find((r) => r.key === key)!;
  const cdBad = row('codedeploy-alarm-bad');
  const glBad = row('greenlight-bad');
  const glFast = row('greenlight-fast-bad');
  const glFastGood = row('greenlight-fast-good');
  const glGood = row('greenlight-good');
  const cdGood = row('codedeploy-alarm-good');
  const falseRollback = (r: Row) => (r.outcomes.ROLLED_BACK ?? 0) / r.runs;
  const ratio =
    glBad.failedRequests.median > 0 ? cdBad.failedRequests.median / glBad.failedRequests.median : null;
  const fastRatio =
    glFast.failedRequests.median > 0 ? cdBad.failedRequests.median / glFast.failedRequests.median : null;
  const targets = {
    greenlightBadMedianAtMost100: glBad.failedRequests.median <= 100,
    fiveTimesFewerThanCodeDeploy: ratio !== null && ratio >= 5,
    greenlightGoodFalseRollbackAtMost1Pct: falseRollback(glGood) <= 0.01,
    promotionNoLaterThanCodeDeploy:
      glGood.promotionMs.median !== null &&
      cdGood.promotionMs.median !== null &&
      glGood.promotionMs.median <= cdGood.promotionMs.median,
    greenlightFastBadMedianAtMost25: glFast.failedRequests.median <= 25,
    fastTwentyTimesFewerThanCodeDeploy: fastRatio !== null && fastRatio >= 20,
    greenlightFastGoodFalseRollbackAtMost1Pct: falseRollback(glFastGood) <= 0.01,
  };

  const s = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(0)} s`);
  const table = textTable(
    [
      'key',
      'runs',
      'promoted',
      'rolled back',
      'failed p50',
      'failed p95',
      'detect p50',
      'promotion p50',
      'duration p50',
    ],
    rows.map((r) => [
      r.key,
      String(r.runs),
      String(r.outcomes.PROMOTED ?? 0),
      String(r.outcomes.ROLLED_BACK ?? 0),
      String(r.failedRequests.median),
      String(r.failedRequests.p95),
      s(r.detectMs.median),
      s(r.promotionMs.median),
      s(r.durationMs.median),
    ]),
  );
  const summary = [
    `Blast radius on AWS timing (simulated: Poisson ${RATE_PER_SECOND} requests/s, CloudWatch minutes landing ` +
      `${LAG_SECONDS.min}–${LAG_SECONDS.max} s after they end, Greenlight reading them ${greenlight.metrics.publishDelaySeconds} s after; ` +
      `${runs} seeded runs per row, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    table,
    `codedeploy-alarm-bad / greenlight-bad failed requests (medians): ${ratio === null ? 'n/a' : `${ratio.toFixed(1)}×`}`,
    `codedeploy-alarm-bad / greenlight-fast-bad failed requests (medians): ${fastRatio === null ? 'n/a' : `${fastRatio.toFixed(1)}×`} ` +
      `(high-resolution custom metrics: ${HIGH_RESOLUTION_PERIOD_SECONDS}-s periods landing ${HIGH_RESOLUTION_PUBLICATION.lagSeconds.min}–${HIGH_RESOLUTION_PUBLICATION.lagSeconds.max} s after they end, read ${HIGH_RESOLUTION_READ_DELAY_SECONDS} s after)`,
    `false rollbacks: greenlight-good ${(falseRollback(glGood) * 100).toFixed(2)} %, ` +
      `greenlight-fast-good ${(falseRollback(glFastGood) * 100).toFixed(2)} %, ` +
      `codedeploy-alarm-good ${(falseRollback(cdGood) * 100).toFixed(2)} %`,
    `targets: ${Object.entries(targets)
      .map(([name, met]) => `${name} ${met ? 'met' : 'NOT met'}`)
      .join(', ')}`,
  ].join('\n');

  return {
    table: summary,
    data: {
      setup: {
        simulated: true,
        requestsPerSecond: RATE_PER_SECOND,
        arrivals: 'Poisson per second, split by the listener weights',
        badErrorRate: BAD_ERROR_RATE,
        goodErrorRate: GOOD_ERROR_RATE,
        liveErrorRate: LIVE_ERROR_RATE,
        cloudwatch: {
          periodSeconds: 60,
          trueLagSeconds: LAG_SECONDS,
          greenlightModel: greenlight.metrics,
        },
        highResolution: {
          periodSeconds: HIGH_RESOLUTION_PERIOD_SECONDS,
          trueLagSeconds: HIGH_RESOLUTION_PUBLICATION.lagSeconds,
          greenlightModel: gateMetricsModel(greenlightFast),
          source: greenlightFast.gate.metrics,
          sources: [
            'AWS News Blog, "New – High-Resolution Custom Metrics and Alarms for Amazon CloudWatch": metrics visible "seconds after they are published"',
            'CloudWatch User Guide, "Setting alarms on metrics created with the embedded metric format": flush logs at 5 s or less; CloudWatch agent force_flush_interval defaults to 5 s',
          ],
        },
        greenlight: {
          plan: AWS_PLAN,
          bakeSeconds: BAKE_SECONDS,
          bakeWindowSeconds: greenlight.bakeWindowSeconds,
          gate: greenlight.gate,
          testTraffic: greenlightTest.testTraffic,
          probes: greenlightTest.probes,
        },
        codeDeploy: {
          config: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
          step: codeDeploy.plan.steps[0] && {
            weight: codeDeploy.plan.steps[0].weight,
            holdSeconds: codeDeploy.plan.steps[0].holdSeconds,
          },
          terminationWaitSeconds: CODEDEPLOY_TERMINATION_WAIT_SECONDS,
          alarm: {
            metric: 'HTTPCode_Target_5XX_Count / RequestCount (metric math), new target group',
            threshold: `> ${ALARM_THRESHOLD * 100} %`,
            periodSeconds: 60,
            datapointsToAlarm: '1 of 1',
            treatMissingData: 'notBreaching',
            evaluated: 'every minute boundary, on minutes landed by then',
          },
        },
        runs,
        seed,
      },
      results: rows.map(({ label: _label, ...r }) => r),
      failedRatioCodeDeployToGreenlight: ratio === null ? null : Number(ratio.toFixed(2)),
      failedRatioCodeDeployToGreenlightFast: fastRatio === null ? null : Number(fastRatio.toFixed(2)),
      falseRollbackRate: {
        greenlightGood: falseRollback(glGood),
        greenlightFastGood: falseRollback(glFastGood),
        codeDeployAlarmGood: falseRollback(cdGood),
      },
      targets,
    },
  };
}
