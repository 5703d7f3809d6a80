/**
 * `greenlight demo`: a real blue/green deployment in the local rehearsal, under load. v1 runs on
 * blue; a good v2 is deployed (expected: promoted with no failed request) and then a faulty v3
 * (20 % 5xx; expected: rolled back automatically). Writes `.greenlight/demo-report.json`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Color } from '../shared/domain/colors';
import type { DeploymentSpecInput } from '../shared/domain/spec';
import type { StepObservation as Observation } from '../functions/deploy/evaluate';
import { deploymentFigures, type ColorTargetGroups } from './deployment-figures';
import type { EngineEvent } from '../shared/local/sfn/engine';
import type { DeploymentFigures } from './deployment-figures';
import { LoadGenerator } from '../shared/local/load-generator';
import { Rehearsal, type DeployResult } from '../shared/local/rehearsal';
import { textTable } from './text-table';

export interface DemoOptions {
  ratePerSecond?: number;
  workDir?: string;
  out?: { write(chunk: string): unknown };
}

/** One deployment of the demo: its figures, with the version and the outcome it should have had. */
export interface DeploymentReport extends DeploymentFigures {
  version: string;
  expected: string;
}

export interface DemoReport {
  simulated: string;
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

const fmtPct = (errors: number, requests: number) =>
  requests === 0 ? '  -  ' : `${((errors / requests) * 100).toFixed(1)}%`;

/** One terminal line per interesting workflow event. */
function progressPrinter(out: NonNullable<DemoOptions['out']>, label: string, started: number) {
  return (event: EngineEvent) => {
    const t = `${((event.at - started) / 1000).toFixed(1).padStart(5)}s`;
    if (event.type === 'StateExited' && (event.state === 'Evaluate' || event.state === 'EvaluateBake')) {
      const output = event.output as {
        observation?: Observation;
        step?: { weight: number; index: number };
        deployment?: { newColor: Color; liveColor: Color };
      };
      const o = output.observation;
      const d = output.deployment;
      if (!o || !d) return;
      const n = o.traffic[d.newColor];
      const l = o.traffic[d.liveColor];
      const where = o.phase === 'bake' ? 'bake     ' : `step ${o.stepIndex + 1}   `;
      out.write(
        `  ${label} ${t}  ${where} ${String(output.step?.weight ?? '?').padStart(3)}% → ${d.newColor.padEnd(5)}  ` +
          `${d.newColor} ${fmtPct(n.errors, n.requests)} 5xx of ${String(n.requests).padStart(4)}  ` +
          `${d.liveColor} ${fmtPct(l.errors, l.requests)} of ${String(l.requests).padStart(5)}  ${o.verdict} → ${o.decision}\n`,
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
  window: { from: number; to: number },
): DeploymentReport {
  const figures = deploymentFigures(rehearsal, load, slots, result, window);
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
  };
}

function table(rows: DeploymentReport[]): string {
  return textTable(
    [
      'version',
      'outcome',
      'expected',
      'duration',
      'requests',
      'failed',
      'failed blue/green',
      'detect',
      'transitions',
    ],
    rows.map((r) => [
      r.version,
      r.outcome,
      r.expected,
      `${(r.durationMs / 1000).toFixed(1)} s`,
      String(r.requests),
      String(r.failedRequests),
      `${r.failedByColor.blue}/${r.failedByColor.green}`,
      r.detectMs === null ? '-' : `${r.detectMs} ms`,
      String(r.stateTransitions),
    ]),
  );
}

/** Runs the demo; resolves with the report (also written to disk). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const out = options.out ?? process.stdout;
  const rate = options.ratePerSecond ?? 200;
  out.write(
    'Greenlight local rehearsal — AWS is simulated here: ECS services are local processes, the ALB is a\n',
  );
  out.write(
    'weighted reverse proxy on 127.0.0.1, DynamoDB is dynalite, SNS is .greenlight/notifications.jsonl.\n',
  );
  out.write('The state machine file and the step handlers are the ones deployed to AWS.\n\n');
  const rehearsal = await Rehearsal.start({
    ...(options.workDir ? { workDir: options.workDir } : {}),
    console: out,
  });
  let load: LoadGenerator | null = null;
  const onSignal = () => {
    out.write('\ninterrupted: stopping the rehearsal\n');
    void Promise.resolve(load?.stop())
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
      { version: 'v2', image: 'greenlight/demo-app:v2', expected: 'PROMOTED' },
      { version: 'v3', image: 'greenlight/demo-app:v3-faulty', expected: 'ROLLED_BACK' },
    ];
    for (const release of releases) {
      out.write(`${release.version}: deploying ${release.image} (expected: ${release.expected})\n`);
      const from = Date.now();
      const result = await rehearsal.deploy(
        {
          deploymentId: `demo-${release.version}-${from}`,
          image: release.image,
          spec: { ...base, ...DEMO_PLAN },
          requestedBy: 'greenlight demo',
        },
        { onEvent: progressPrinter(out, release.version, from) },
      );
      // Let requests sent during the deployment finish before counting them.
      await new Promise((resolve) => setTimeout(resolve, 500));
      reports.push(
        summarise(rehearsal, load, base.slots, release.version, release.expected, result, {
          from,
          to: Date.now() - 500,
        }),
      );
      out.write(
        `${release.version}: ${result.record?.status ?? result.status}${result.record?.error ? ` (${result.record.error.error}: ${result.record.error.cause})` : ''}\n\n`,
      );
    }
    await load.stop();
    const [good, bad] = reports;
    const passed =
      good?.outcome === 'PROMOTED' && good.failedRequests === 0 && bad?.outcome === 'ROLLED_BACK';
    const report: DemoReport = {
      simulated:
        'local rehearsal: AWS services simulated by local processes, a weighted proxy, dynalite and a JSONL sink',
      ratePerSecond: rate,
      deployments: reports,
      passed,
    };
    const file = path.join(rehearsal.workDir, 'demo-report.json');
    await mkdir(rehearsal.workDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    out.write(`${table(reports)}\n\nreport: ${path.relative(process.cwd(), file)}\n`);
    out.write(
      passed
        ? 'demo passed: v2 promoted with 0 failed requests, v3 rolled back automatically\n'
        : 'demo FAILED: outcomes differ from the expected ones\n',
    );
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await load?.stop();
    await rehearsal.stop();
  }
}
