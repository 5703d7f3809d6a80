/**
 * `greenlight demo`: a real blue/green deployment in the local rehearsal, under load. v1 runs on
 * blue; a good v2 is deployed (expected: promoted with no failed request) and then a faulty v3
 * (20 % 5xx; expected: rolled back automatically). Writes `.greenlight/demo-report.json`.
 * `awsTiming`: the same on CloudWatch's timing (60-s periods published 120 s late) with an
 * AWS-like plan, on a clock compressed `compress` times.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Color } from '../shared/domain/colors';
import type { DeploymentSpecInput } from '../shared/domain/spec';
import type { StepObservation as Observation } from '../functions/deploy/evaluate';
import { deploymentFigures, type ColorTargetGroups } from './deployment-figures';
import type { EngineEvent } from '../shared/local/sfn/engine';
import type { DeploymentFigures } from './deployment-figures';
import { LocalHookServer } from '../shared/local/hook-server';
import { LoadGenerator } from '../shared/local/load-generator';
import { awsTimingHeader, Rehearsal, type AwsTiming, type DeployResult } from '../shared/local/rehearsal';
import { writeReport } from './report';
import { textTable } from './text-table';

export interface DemoOptions {
  ratePerSecond?: number;
  workDir?: string;
  out?: { write(chunk: string): unknown };
  /** Run on AWS timing, time compressed `compress` times (see Rehearsal's awsTiming). */
  awsTiming?: { compress: number };
  /** The gate's source: the proxy's figures (`alb`, default) or PromQL on a real local Prometheus. */
  metrics?: 'alb' | 'prometheus';
}

/** Default compression of `demo --aws-timing`: both deployments in about two real minutes. */
export const DEFAULT_DEMO_COMPRESSION = 10;

/** One deployment of the demo: its figures, with the version and the outcome it should have had. */
export interface DeploymentReport extends DeploymentFigures {
  version: string;
  expected: string;
  /**
   * On AWS timing: the deployment's duration and detection time in virtual (AWS) time, and the
   * load balancer's own 5xx (per load balancer, as CloudWatch has them; judged by gate.maxLoadBalancerErrorIncrease).
   */
  awsTiming?: { durationMs: number; detectMs: number | null; loadBalancer5xx: number };
}

export interface DemoReport {
  simulated: string;
  /** `lag-free` (1-s metrics, no delay, real time) or AWS timing with its compression. */
  timing: { mode: 'lag-free' } | ({ mode: 'aws'; note: string } & AwsTiming);
  /** Where the gate read the traffic: `alb` (the proxy's figures) or `prometheus` (PromQL). */
  metrics: 'alb' | 'prometheus';
  ratePerSecond: number;
  deployments: DeploymentReport[];
  passed: boolean;
}

const DEMO_PLAN: Partial<DeploymentSpecInput> = {
  plan: { preset: 'canary', weights: [10, 50], holdSeconds: 3 },
  gate: {
    intervalSeconds: 1,
    minRequests: 20,
    maxErrorRate: 0.01,
    maxP99Ms: 500,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 30,
  },
  launch: { timeoutSeconds: 60, pollSeconds: 1 },
  bakeSeconds: 4,
  // The rehearsal's 1-s, lag-free data (not CloudWatch's 60-s periods published minutes later).
  metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
  // The local proxy applies a weight change at once (no fleet of nodes to reach), so the settle
  // before a scale-down can be short here; on AWS keep the default.
  trafficSettleSeconds: 1,
};

/**
 * The demo judged on PromQL: the same gate, on windows of whole 5-s periods of 1-s scrapes read
 * one period after they end (see shared/local/prometheus/local-prometheus.ts), so holds and the
 * bake are whole periods. The spec-wide `metrics` model describes the alb source only.
 */
function prometheusPlan(
  source: NonNullable<DeploymentSpecInput['gate']>['metrics'],
): Partial<DeploymentSpecInput> {
  const { metrics: _albModel, ...rest } = DEMO_PLAN;
  return {
    ...rest,
    plan: { preset: 'canary', weights: [10, 50], holdSeconds: 5 },
    gate: { ...DEMO_PLAN.gate, metrics: source },
    bakeSeconds: 5,
  };
}

/**
 * The demo on AWS timing: holds, intervals and timeouts as on AWS, valid on the spec's default
 * `metrics` (CloudWatch: 60-s periods published 120 s after they end). A step lasts its hold
 * plus up to a period plus the delay (about 3–4 minutes), the bake likewise.
 */
const AWS_TIMING_PLAN: Partial<DeploymentSpecInput> = {
  plan: { preset: 'canary', weights: [10, 50], holdSeconds: 60 },
  gate: {
    intervalSeconds: 10,
    minRequests: 20,
    maxErrorRate: 0.01,
    maxP99Ms: 500,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 600,
  },
  launch: { timeoutSeconds: 600, pollSeconds: 10 },
  bakeSeconds: 120,
  bakeWindowSeconds: 60,
};

/** 95 s → "1m35s" (virtual time on AWS timing). */
const fmtMinutes = (ms: number) => {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
};

const fmtPct = (errors: number, requests: number) =>
  requests === 0 ? '  -  ' : `${((errors / requests) * 100).toFixed(1)}%`;

/**
 * One terminal line per interesting workflow event. `virtual` (AWS timing) turns a real elapsed
 * time into the rehearsal's; lines then show virtual times and how old the published data is,
 * and an evaluation that rereads the same published data with the same outcome is not repeated.
 */
function progressPrinter(
  out: NonNullable<DemoOptions['out']>,
  label: string,
  started: number,
  virtual: ((realMs: number) => number) | null,
) {
  let last = '';
  return (event: EngineEvent) => {
    const t = virtual
      ? fmtMinutes(virtual(event.at - started)).padStart(6)
      : `${((event.at - started) / 1000).toFixed(1).padStart(5)}s`;
    if (event.type === 'StateExited' && (event.state === 'Evaluate' || event.state === 'EvaluateBake')) {
      const output = event.output as {
        observation?: Observation;
        step?: { weight: number; index: number; startedAt: number };
        deployment?: { newColor: Color; liveColor: Color };
      };
      const o = output.observation;
      const d = output.deployment;
      if (!o || !d) return;
      const n = o.traffic[d.newColor];
      const l = o.traffic[d.liveColor];
      const where = o.phase === 'bake' ? 'bake     ' : `step ${o.stepIndex + 1}   `;
      const key = `${o.phase} ${o.stepIndex} ${o.dataUntil} ${o.verdict} ${o.decision}`;
      if (virtual && key === last) return;
      last = key;
      const published = !virtual
        ? ''
        : output.step && o.dataUntil <= output.step.startedAt
          ? '  data: none published yet'
          : `  data to -${String(Math.round((o.at - o.dataUntil) / 1000)).padStart(3)}s`;
      out.write(
        `  ${label} ${t}  ${where} ${String(output.step?.weight ?? '?').padStart(3)}% → ${d.newColor.padEnd(5)}  ` +
          `${d.newColor} ${fmtPct(n.errors, n.requests)} 5xx of ${String(n.requests).padStart(4)}  ` +
          `${d.liveColor} ${fmtPct(l.errors, l.requests)} of ${String(l.requests).padStart(5)}${published}  ${o.verdict} → ${o.decision}\n`,
      );
    } else if (
      event.type === 'StateEntered' &&
      [
        'Prepare',
        'LaunchNewColor',
        'Promote',
        'RetireOldColor',
        'Rollback',
        'Promoted',
        'RolledBack',
        'Rejected',
      ].includes(event.state ?? '')
    ) {
      out.write(`  ${label} ${t}  ${event.state}\n`);
    }
  };
}

function summarise(
  rehearsal: Rehearsal,
  load: LoadGenerator,
  slots: ColorTargetGroups,
  version: string,
  expected: string,
  result: DeployResult,
  window: { from: number; to: number; virtualFrom: number },
): DeploymentReport {
  const figures = deploymentFigures(rehearsal, load, slots, result, window);
  const targetGroups = { blue: slots.blue.targetGroup, green: slots.green.targetGroup };
  const awsTiming = rehearsal.awsTiming
    ? {
        awsTiming: {
          durationMs: rehearsal.virtualMs(figures.durationMs),
          detectMs: figures.detectMs === null ? null : rehearsal.virtualMs(figures.detectMs),
          loadBalancer5xx: rehearsal.metrics.loadBalancerErrors(
            targetGroups,
            window.virtualFrom,
            rehearsal.clock.now(),
          ),
        },
      }
    : {};
  return {
    version,
    image: figures.image,
    outcome: figures.outcome,
    expected,
    durationMs: figures.durationMs,
    requests: figures.requests,
    failedRequests: figures.failedRequests,
    failedByColor: figures.failedByColor,
    detectMs: figures.detectMs,
    stateTransitions: figures.stateTransitions,
    cause: figures.cause,
    ...awsTiming,
  };
}

function table(rows: DeploymentReport[], aws: boolean): string {
  const headers = [
    'version',
    'outcome',
    'expected',
    'duration',
    'requests',
    'failed',
    'failed blue/green',
    'detect',
    'transitions',
  ];
  return textTable(
    aws
      ? [
          ...headers.slice(0, 4),
          'duration real',
          ...headers.slice(4, 8),
          'detect real',
          'transitions',
          'lb 5xx',
        ]
      : headers,
    rows.map((r) => {
      const real = {
        duration: `${(r.durationMs / 1000).toFixed(1)} s`,
        detect: r.detectMs === null ? '-' : `${r.detectMs} ms`,
      };
      const cells = [
        r.version,
        r.outcome,
        r.expected,
        r.awsTiming ? fmtMinutes(r.awsTiming.durationMs) : real.duration,
        String(r.requests),
        String(r.failedRequests),
        `${r.failedByColor.blue}/${r.failedByColor.green}`,
        r.awsTiming ? (r.awsTiming.detectMs === null ? '-' : fmtMinutes(r.awsTiming.detectMs)) : real.detect,
        String(r.stateTransitions),
      ];
      if (!r.awsTiming) return cells;
      return [
        ...cells.slice(0, 4),
        real.duration,
        ...cells.slice(4, 8),
        real.detect,
        ...cells.slice(8),
        String(r.awsTiming.loadBalancer5xx),
      ];
    }),
  );
}

/** Runs the demo; resolves with the report (also written to disk). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const out = options.out ?? process.stdout;
  const rate = options.ratePerSecond ?? 200;
  const rehearsal = await Rehearsal.start({
    ...(options.workDir ? { workDir: options.workDir } : {}),
    ...(options.awsTiming ? { awsTiming: options.awsTiming } : {}),
    ...(options.metrics === 'prometheus' ? { prometheus: true } : {}),
    console: out,
  });
  const onPrometheus = rehearsal.prometheus !== null;
  const aws = rehearsal.awsTiming;
  if (aws) out.write(`${awsTimingHeader(aws)}\n`);
  out.write(
    'Greenlight local rehearsal — AWS is simulated here: ECS services are local processes, the ALB is a\n',
  );
  out.write(
    'weighted reverse proxy on 127.0.0.1, DynamoDB is dynalite, SNS is .greenlight/notifications.jsonl.\n',
  );
  out.write('The state machine file and the step handlers are the ones deployed to AWS.\n');
  out.write(
    aws
      ? `Times below are virtual (AWS) times unless marked real; "data to -Ns": the published data ends N s before the evaluation.\n\n`
      : onPrometheus
        ? `Metrics: PromQL on a real Prometheus (${rehearsal.prometheus?.url}) scraping every task's /metrics every ${rehearsal.prometheus?.scrapeIntervalSeconds} s; windows of whole 5-s periods read 5 s after they end.\n\n`
        : "Metrics: the proxy's 1-s figures, read with no delay (CloudWatch's timing: --aws-timing).\n\n",
  );
  let load: LoadGenerator | null = null;
  // The good release's user hook: a local webhook that passes the release before its promotion.
  const hooks = await LocalHookServer.start({
    '/release-check': [{ body: { result: 'pass', reason: 'release notes and change ticket present' } }],
  });
  const onSignal = () => {
    out.write('\ninterrupted: stopping the rehearsal\n');
    void Promise.resolve(load?.stop())
      .then(() => hooks.stop())
      .then(() => rehearsal.stop())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    out.write('v1: starting service "web" on blue (2 tasks of greenlight/demo-app:v1)\n');
    const base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 2,
    });
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: rate, maxInFlight: 200 });
    load.start();
    out.write(`load: ${rate} requests/s on ${rehearsal.proxy.url}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const reports: DeploymentReport[] = [];
    const releases = [
      {
        version: 'v2',
        image: 'greenlight/demo-app:v2',
        expected: 'PROMOTED',
        hooks: { beforePromote: { name: 'release-check', url: `${hooks.url}/release-check` } },
      },
      { version: 'v3', image: 'greenlight/demo-app:v3-faulty', expected: 'ROLLED_BACK' },
    ];
    for (const release of releases) {
      out.write(`${release.version}: deploying ${release.image} (expected: ${release.expected})\n`);
      const from = Date.now();
      const virtualFrom = rehearsal.clock.now();
      const result = await rehearsal.deploy(
        {
          deploymentId: `demo-${release.version}-${from}`,
          image: release.image,
          spec: {
            ...base,
            ...(aws
              ? AWS_TIMING_PLAN
              : onPrometheus
                ? prometheusPlan(rehearsal.prometheusSource())
                : DEMO_PLAN),
            ...(release.hooks ? { hooks: release.hooks } : {}),
          },
          requestedBy: 'greenlight demo',
        },
        {
          onEvent: progressPrinter(
            out,
            release.version,
            from,
            aws ? (realMs) => rehearsal.virtualMs(realMs) : null,
          ),
        },
      );
      // Let requests sent during the deployment finish before counting them.
      await new Promise((resolve) => setTimeout(resolve, 500));
      reports.push(
        summarise(rehearsal, load, base.slots, release.version, release.expected, result, {
          from,
          to: Date.now() - 500,
          virtualFrom,
        }),
      );
      out.write(
        `${release.version}: ${result.record?.status ?? result.status}${result.record?.error ? ` (${result.record.error.error}: ${result.record.error.cause})` : ''}\n`,
      );
      for (const e of result.history.filter((h) => h.type === 'USER_HOOK_CALLED')) {
        out.write(
          `${release.version}: ${e.message} (${String(e.data?.['target'])}, webhook on the local hook server)\n`,
        );
      }
      if (result.record) {
        const written = await writeReport(rehearsal.workDir, result.record, result.history);
        out.write(
          `${release.version}: report ${path.relative(process.cwd(), written.file)} (${(written.bytes / 1024).toFixed(1)} KB, rendered in ${written.renderMs} ms)\n`,
        );
      }
      out.write('\n');
    }
    await load.stop();
    const [good, bad] = reports;
    const hookPassed = hooks.calls.some(
      (c) => c.path === '/release-check' && c.context.stage === 'beforePromote' && c.answered !== 'hang',
    );
    const passed =
      good?.outcome === 'PROMOTED' &&
      good.failedRequests === 0 &&
      bad?.outcome === 'ROLLED_BACK' &&
      hookPassed;
    const report: DemoReport = {
      simulated:
        'local rehearsal: AWS services simulated by local processes, a weighted proxy, dynalite and a JSONL sink',
      timing: aws
        ? { mode: 'aws', ...aws, note: awsTimingHeader(aws).replace('\n', ' ') }
        : { mode: 'lag-free' },
      metrics: onPrometheus ? 'prometheus' : 'alb',
      ratePerSecond: rate,
      deployments: reports,
      passed,
    };
    const file = path.join(rehearsal.workDir, 'demo-report.json');
    await mkdir(rehearsal.workDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    out.write(`${table(reports, aws !== null)}\n\nreport: ${path.relative(process.cwd(), file)}\n`);
    out.write(
      passed
        ? 'demo passed: v2 promoted with 0 failed requests (its beforePromote hook passed), v3 rolled back automatically\n'
        : 'demo FAILED: outcomes differ from the expected ones\n',
    );
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await load?.stop();
    await hooks.stop();
    await rehearsal.stop();
  }
}
