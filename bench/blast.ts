/**
 * Blast radius of a bad release, in the local rehearsal under a steady load of about 200
 * requests/s: how many user requests fail before traffic is 100 % back on the live color.
 *
 * In one rehearsal (v1 live on blue), three deployments one after the other:
 * 1. the faulty release (`greenlight/demo-app:v3-faulty`, 20 % 5xx) with Greenlight's canary plan
 *    (5 % → 25 %) and sequential gate;
 * 2. the same faulty release with the `codedeploy-canary-10-5` preset: 10 % for a 300 s window
 *    judged once at its end, like CodeDeployDefault.ECSCanary10Percent5Minutes with a CloudWatch
 *    alarm (`--window SECONDS` shortens the window for a quick run: the same step, a shorter hold);
 * 3. a good release (`greenlight/demo-app:v2`) with Greenlight's plan: its failed requests;
 * 4. the faulty release again with a test-traffic phase first (test listener → new color only,
 *    judged by synthetic probes) before the same canary plan: caught before any user request.
 *
 * Failed requests are counted by the load generator over each deployment (start → end, which
 * includes the moment traffic is back on the live color) and attributed to the target group that
 * answered. Detection time: first failed request from the new color → weights restored.
 * Simulated AWS (see README): processes, proxy and traffic are real, the ALB's metrics have 1-s
 * resolution. Targets are reported, not asserted.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Color } from '../shared/domain/colors';
import { SpecSchema, type DeploymentSpecInput } from '../shared/domain/spec';
import { deploymentFigures, type DeploymentFigures } from '../bin/deployment-figures';
import type { EngineEvent } from '../shared/local/sfn/engine';
import { LoadGenerator } from '../shared/local/load-generator';
import { Rehearsal } from '../shared/local/rehearsal';
import type { BenchResult } from './run';
import { integerOption, textTable } from './stats';

const RATE_PER_SECOND = 200;
const BAD_IMAGE = 'greenlight/demo-app:v3-faulty';
const GOOD_IMAGE = 'greenlight/demo-app:v2';
/** CodeDeployDefault.ECSCanary10Percent5Minutes' window, as the preset has it. */
const PRESET_WINDOW_SECONDS = 300;
/** Time for the requests still in flight at a deployment's end to be answered before counting. */
const SETTLE_MS = 1000;

/** The gate: spec defaults except the evaluation interval and a step timeout fit for a benchmark. */
const GATE = { intervalSeconds: 1, stepTimeoutSeconds: 60 } satisfies DeploymentSpecInput['gate'];
/** Greenlight's default canary weights, with holds shorter than the default 60 s (bake: 300 s). */
const GREENLIGHT_PLAN = {
  preset: 'canary',
  weights: [5, 25],
  holdSeconds: 10,
} satisfies DeploymentSpecInput['plan'];
const BAKE_SECONDS = 10;
const LAUNCH = { timeoutSeconds: 60, pollSeconds: 1 };
/** The rehearsal's 1-s, lag-free data (CloudWatch timing: `npm run bench -- blast-aws`). */
const METRICS = { periodSeconds: 1, publishDelaySeconds: 0 };

type ServiceSpec = Awaited<ReturnType<Rehearsal['createService']>>;

/**
 * The CodeDeploy-style plan: the preset itself for its own window, otherwise the preset's step
 * (weight, fixed-window gate) with the window as its hold.
 */
function codeDeployPlan(base: ServiceSpec, windowSeconds: number): DeploymentSpecInput['plan'] {
  const preset = { preset: 'codedeploy-canary-10-5' } as const;
  if (windowSeconds === PRESET_WINDOW_SECONDS) return preset;
  const steps = SpecSchema.parse({ ...base, plan: preset, gate: GATE, metrics: METRICS }).plan.steps;
  return { steps: steps.map((s) => ({ weight: s.weight, holdSeconds: windowSeconds, gate: s.gate })) };
}

/** The test-traffic phase of run 4: 10 probes a second on the test listener, at least 3 s. */
const TEST_TRAFFIC = { holdSeconds: 3, intervalSeconds: 1, timeoutSeconds: 30 };

interface Run {
  key: 'greenlight-bad' | 'codedeploy-bad' | 'greenlight-good' | 'greenlight-test-bad';
  label: string;
  release: 'bad' | 'good';
  image: string;
  plan: DeploymentSpecInput['plan'];
  expected: 'ROLLED_BACK' | 'PROMOTED';
  /** Run a test-traffic phase before the plan. */
  testTraffic?: true;
}

interface Row extends DeploymentFigures {
  key: Run['key'];
  label: string;
  release: Run['release'];
  expected: Run['expected'];
  newColor: Color | null;
  /** Requests the new color answered during the deployment. */
  newColorRequests: number;
  /** Failed requests that reached no target group (connection errors, timeouts). */
  failedUnattributed: number;
  /** Requests not sent because the load generator's in-flight bound was reached. */
  skipped: number;
  plan: DeploymentSpecInput['plan'];
}

/** One line on stderr per traffic change, so a long run shows where it is. */
function progress(label: string, started: number) {
  const shown = [
    'Prepare',
    'ShiftTestTraffic',
    'ShiftTraffic',
    'Promote',
    'Rollback',
    'Promoted',
    'RolledBack',
    'Rejected',
  ];
  return (event: EngineEvent) => {
    if (event.type !== 'StateEntered' || !shown.includes(event.state ?? '')) return;
    const t = `${((event.at - started) / 1000).toFixed(1)}s`.padStart(7);
    const weight =
      event.state === 'ShiftTraffic'
        ? ` ${(event.input as { step?: { weight?: number } } | undefined)?.step?.weight ?? '?'}%`
        : '';
    process.stderr.write(`  ${label} ${t}  ${event.state}${weight}\n`);
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function blast(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { window: { type: 'string', default: String(PRESET_WINDOW_SECONDS) } },
  });
  // Seconds.
  const windowSeconds = integerOption('window', values.window, 5, 3600);
  const windowNote =
    windowSeconds === PRESET_WINDOW_SECONDS
      ? `${windowSeconds} s (the preset's own, as CodeDeploy)`
      : `${windowSeconds} s (--window; the preset's honest value is ${PRESET_WINDOW_SECONDS} s)`;
  process.stderr.write(`blast: CodeDeploy-style window ${windowNote}\n`);

  const started = Date.now();
  const rehearsal = await Rehearsal.start({ workDir: path.resolve('.greenlight', 'bench-blast') });
  let load: LoadGenerator | null = null;
  const onSignal = () => {
    process.stderr.write('\ninterrupted: stopping the rehearsal\n');
    void Promise.resolve(load?.stop())
      .finally(() => rehearsal.stop())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const rows: Row[] = [];
  try {
    const base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 2,
    });
    load = new LoadGenerator({
      url: `${rehearsal.proxy.url}/`,
      ratePerSecond: RATE_PER_SECOND,
      maxInFlight: 200,
    });
    load.start();
    await sleep(1000);

    const runs: Run[] = [
      {
        key: 'greenlight-bad',
        label: 'greenlight canary 5→25 %, sequential gate',
        release: 'bad',
        image: BAD_IMAGE,
        plan: GREENLIGHT_PLAN,
        expected: 'ROLLED_BACK',
      },
      {
        key: 'codedeploy-bad',
        label: `codedeploy-canary-10-5, 10 % for ${windowSeconds} s`,
        release: 'bad',
        image: BAD_IMAGE,
        plan: codeDeployPlan(base, windowSeconds),
        expected: 'ROLLED_BACK',
      },
      {
        key: 'greenlight-good',
        label: 'greenlight canary 5→25 %, sequential gate',
        release: 'good',
        image: GOOD_IMAGE,
        plan: GREENLIGHT_PLAN,
        expected: 'PROMOTED',
      },
      {
        key: 'greenlight-test-bad',
        label: 'greenlight test traffic (probes), then canary 5→25 %',
        release: 'bad',
        image: BAD_IMAGE,
        plan: GREENLIGHT_PLAN,
        expected: 'ROLLED_BACK',
        testTraffic: true,
      },
    ];
    for (const run of runs) {
      process.stderr.write(`${run.key}: deploying ${run.image} (${run.label})\n`);
      const from = Date.now();
      const result = await rehearsal.deploy(
        {
          deploymentId: `blast-${run.key}-${from}`,
          image: run.image,
          spec: {
            ...base,
            plan: run.plan,
            gate: GATE,
            launch: LAUNCH,
            bakeSeconds: BAKE_SECONDS,
            metrics: METRICS,
            ...(run.testTraffic ? rehearsal.testTrafficSpec({ testTraffic: TEST_TRAFFIC }) : {}),
          },
          requestedBy: 'npm run bench -- blast',
        },
        { onEvent: progress(run.key, from) },
      );
      const to = Date.now();
      await sleep(SETTLE_MS);
      const figures = deploymentFigures(rehearsal, load, base.slots, result, { from, to });
      const stats = load.stats(from, to);
      const newColor = result.record?.newColor ?? null;
      const newColorRequests = newColor
        ? (stats.byTargetGroup[base.slots[newColor].targetGroup]?.requests ?? 0)
        : 0;
      rows.push({
        key: run.key,
        label: run.label,
        release: run.release,
        expected: run.expected,
        ...figures,
        newColor,
        newColorRequests,
        failedUnattributed: figures.failedRequests - figures.failedByColor.blue - figures.failedByColor.green,
        skipped: stats.skipped,
        plan: run.plan,
      });
      process.stderr.write(
        `${run.key}: ${figures.outcome}, ${figures.failedRequests} failed requests, ${seconds(figures.durationMs)}\n`,
      );
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    try {
      await load?.stop();
    } finally {
      await rehearsal.stop();
    }
  }

  const find = (key: Run['key']) => rows.find((r) => r.key === key)!;
  const greenlight = find('greenlight-bad');
  const codedeploy = find('codedeploy-bad');
  const good = find('greenlight-good');
  const withTestTraffic = find('greenlight-test-bad');
  const ratio =
    greenlight.failedRequests === 0 ? null : codedeploy.failedRequests / greenlight.failedRequests;
  const targets = {
    greenlightBadAtMost25Failed: greenlight.failedRequests <= 25,
    atLeast20xFewerThanCodeDeploy: codedeploy.failedRequests > 0 && (ratio === null || ratio >= 20),
    goodReleaseZeroFailed: good.failedRequests === 0,
    outcomesAsExpected: rows.every((r) => r.outcome === r.expected),
  };
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

  const table = textTable(
    [
      'release',
      'plan',
      'outcome',
      'duration',
      'requests',
      'failed',
      'failed blue/green',
      'new color served',
      'detect',
    ],
    rows.map((r) => [
      `${r.release} (${r.image.split(':')[1]})`,
      r.label,
      r.outcome === r.expected ? r.outcome : `${r.outcome} (expected ${r.expected})`,
      seconds(r.durationMs),
      String(r.requests),
      String(r.failedRequests),
      `${r.failedByColor.blue}/${r.failedByColor.green}${r.failedUnattributed ? ` +${r.failedUnattributed} unattributed` : ''}`,
      `${r.newColorRequests} on ${r.newColor ?? '?'}`,
      r.detectMs === null ? '-' : `${(r.detectMs / 1000).toFixed(2)} s`,
    ]),
  );
  const header = [
    `blast radius of a bad release (${BAD_IMAGE}, 20 % 5xx): local rehearsal, ${RATE_PER_SECOND} requests/s, v1 live on blue`,
    `greenlight: canary [${GREENLIGHT_PLAN.weights.join(', ')}] %, hold ${GREENLIGHT_PLAN.holdSeconds} s, bake ${BAKE_SECONDS} s; ` +
      `gate: spec defaults, intervalSeconds ${GATE.intervalSeconds}, stepTimeoutSeconds ${GATE.stepTimeoutSeconds}`,
    `codedeploy-style window: ${windowNote}; judged once at its end (5xx ≤ 1 %, p99 ≤ 1000 ms)`,
  ].join('\n');
  const summary = [
    `good release: failed requests ${good.failedRequests}`,
    `bad release with a test-traffic phase first: failed user requests ${withTestTraffic.failedRequests} (${withTestTraffic.outcome})`,
    `bad release, failed requests codedeploy-style / greenlight: ${codedeploy.failedRequests} / ${greenlight.failedRequests} = ` +
      `${ratio === null ? 'n/a (greenlight 0)' : `${ratio.toFixed(1)}×`}`,
    `targets (reported, not asserted): greenlight bad ≤ 25 failed: ${met(targets.greenlightBadAtMost25Failed)}; ` +
      `≥ 20× fewer than codedeploy-style: ${met(targets.atLeast20xFewerThanCodeDeploy)}; ` +
      `good release 0 failed: ${met(targets.goodReleaseZeroFailed)}; outcomes as expected: ${met(targets.outcomesAsExpected)}`,
  ].join('\n');
  const elapsedMs = Date.now() - started;
  return {
    table: `${header}\n${table}\n\n${summary}\n(${seconds(elapsedMs)})`,
    data: {
      setup: {
        ratePerSecond: RATE_PER_SECOND,
        windowSeconds,
        presetWindowSeconds: PRESET_WINDOW_SECONDS,
        badImage: BAD_IMAGE,
        goodImage: GOOD_IMAGE,
        gate: GATE,
        launch: LAUNCH,
        bakeSeconds: BAKE_SECONDS,
        metrics: METRICS,
        testTraffic: TEST_TRAFFIC,
        settleMs: SETTLE_MS,
      },
      results: rows,
      failedRatioCodeDeployToGreenlight: ratio === null ? null : Number(ratio.toFixed(2)),
      targets,
      elapsedMs,
    },
  };
}
