/**
 * `greenlight demo ecs-native`: a SIMULATION of an ECS built-in LINEAR deployment in the local
 * rehearsal, with Greenlight's ECS lifecycle hook (the handler deployed to Lambda) judging it.
 * shared/local/ecs/native-deployment.ts plays ECS's part (what it models and what it does not);
 * the hook reads the rehearsal's proxy (the ALB), its real processes' traffic under load and HTTP
 * probes through the test listener. v1 runs; a good v2 is deployed (expected: SUCCESSFUL with no
 * failed request), then the faulty v3 (20 % 5xx; expected: rolled back on the hook's FAILED).
 * Writes `.greenlight/ecs-native-report.json`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import type { Color } from '../shared/domain/colors';
import { controllerTarget } from '../shared/domain/controllers/controller-target';
import type { EcsDeploymentConfiguration } from '../shared/domain/controllers/ecs-plan';
import { revisionId } from '../shared/domain/hooks/ecs-hook-event';
import { SpecSchema, type DeploymentSpecInput } from '../shared/domain/spec';
import { parseInput } from '../shared/domain/validation';
import { LoadGenerator } from '../shared/local/load-generator';
import { LAG_FREE_ECS_TIMING, simulationTimingOf } from '../shared/local/ecs/native-rehearsal';
import {
  linearSteps,
  type HookInvocation,
  type SimulatedDeploymentResult,
  type SimulationTiming,
  type StageEvent,
} from '../shared/local/ecs/native-deployment';
import { awsTimingHeader, LOCAL_TEST_LISTENER, Rehearsal } from '../shared/local/rehearsal';
import { parseCompression } from './aws-timing-flag';
import { writeReport } from './report';
import { textTable } from './text-table';

export interface EcsNativeDemoOptions {
  ratePerSecond?: number;
  /**
   * Run on AWS timing (the main demo's `--aws-timing`): the hook reads CloudWatch-like 60-s
   * periods published 120 s late, on a clock compressed `compress` times; ECS's minutes and
   * callBackDelay are compressed as much, and the hook's gate is AWS-like (minute holds).
   */
  awsTiming?: { compress: number };
  /**
   * The plan's step in percent (default 34: steps 34, 68, then 100 %, ECS LINEAR stepPercent 34);
   * 50 gives one step (ECS CANARY 50), for a shorter run.
   */
  stepPercent?: number;
  workDir?: string;
  out?: { write(chunk: string): unknown };
}

/** The demo plan's step: 34, 68, then 100 % (ECS LINEAR with stepPercent 34). */
export const DEMO_STEP_PERCENT = 34;

/** One ECS minute lasts one real second (60× compression); callBackDelay is waited in full. */
export const DEMO_TIMING = LAG_FREE_ECS_TIMING;

/** Default compression of `demo ecs-native --aws-timing`. */
export const DEFAULT_ECS_NATIVE_COMPRESSION = 30;

/** The plan's steps below 100 % for `stepPercent` (ECS shifts to 100 % after the last). */
function planSteps(stepPercent: number, holdSeconds: number) {
  return {
    steps: linearSteps(stepPercent)
      .slice(0, -1)
      .map((weight) => ({ weight, holdSeconds })),
  };
}

/**
 * The deployment's plan and gate on AWS timing: the spec's default metrics model (CloudWatch's
 * 60-s periods, 120 s publication delay) and minute holds, as a spec on AWS would have them.
 */
function awsSpec(probeUrl: string, stepPercent: number): Partial<DeploymentSpecInput> {
  return {
    plan: planSteps(stepPercent, 60),
    gate: {
      intervalSeconds: 10,
      minRequests: 20,
      maxErrorRate: 0.01,
      maxP99Ms: 500,
      consecutiveFailures: 2,
      stepTimeoutSeconds: 900,
    },
    probes: { url: probeUrl, requests: 5 },
    testTraffic: {
      listener: LOCAL_TEST_LISTENER,
      holdSeconds: 30,
      intervalSeconds: 10,
      consecutiveFailures: 2,
      timeoutSeconds: 300,
    },
    bakeSeconds: 60,
    bakeWindowSeconds: 60,
  };
}

/** The deployment's plan and gate: the main demo's, on the rehearsal's 1-s data. */
function demoSpec(probeUrl: string, stepPercent: number): Partial<DeploymentSpecInput> {
  return {
    plan: planSteps(stepPercent, 3),
    gate: {
      intervalSeconds: 1,
      minRequests: 20,
      maxErrorRate: 0.01,
      maxP99Ms: 500,
      consecutiveFailures: 2,
      stepTimeoutSeconds: 30,
    },
    // The rehearsal's lag-free 1-s data (not CloudWatch's 60-s periods published minutes later).
    metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
    // A shallow health probe: the faulty image passes it; production traffic shows its 5xx.
    probes: { url: probeUrl, requests: 5 },
    testTraffic: {
      listener: LOCAL_TEST_LISTENER,
      holdSeconds: 2,
      intervalSeconds: 1,
      consecutiveFailures: 2,
      timeoutSeconds: 20,
    },
    bakeSeconds: 4,
    bakeWindowSeconds: 10,
  };
}

export interface EcsNativeDeploymentReport {
  version: string;
  image: string;
  /** ECS's (simulated) status of the service deployment. */
  outcome: string;
  expected: string;
  /** Greenlight's deployment that drove it: its id, outcome, cause and history length. */
  greenlight: { deploymentId: string; status: string; cause: string | null; events: number };
  durationMs: number;
  requests: number;
  failedRequests: number;
  failedByColor: Record<Color, number>;
  /** Which color's target group the new revision ran in (ECS alternates them). */
  newColor: Color;
  /** Bad release: first failed request from the new revision → production 100 % back on the old one. */
  detectMs: number | null;
  hookInvocations: number;
  inProgressAnswers: number;
  /** Reversed-weight invocations during the rollback, with the hook's answers. */
  rollbackInvocations: { stage: string; hookStatus: string }[];
  failedStage: string | null;
  cause: string | null;
  /** The hook's last gate reasons before its FAILED (from its log lines). */
  hookReasons: string[];
  /** Every invocation ECS (simulated) made: its stage, the share its event stated, the answer; `atMs` from the deployment's start. */
  invocations: {
    stage: string;
    productionPercent: number | null;
    rollback: boolean;
    atMs: number;
    hookStatus: string;
    callBackDelay: number | null;
  }[];
}

export interface EcsNativeDemoReport {
  simulated: string;
  timing: {
    realMsPerEcsMinute: number;
    callBackDelayScale: number;
    note: string;
    metrics: string;
    /** AWS timing's compression and CloudWatch model; null on the lag-free timing. */
    awsTiming: { compress: number; periodSeconds: number; publishDelaySeconds: number } | null;
  };
  /** The spec's plan as ECS's deploymentConfiguration (what UpdateService would send). */
  deploymentConfiguration: Omit<EcsDeploymentConfiguration, 'lifecycleHooks'>;
  /** The stages Greenlight's hook is registered for. */
  lifecycleStages: readonly string[];
  ratePerSecond: number;
  notModelled: string[];
  /** Each deployment's HTML report (greenlight report's page), as written. */
  htmlReports: string[];
  deployments: EcsNativeDeploymentReport[];
  passed: boolean;
}

/** What the hook's traffic figures are here: the main demo's lag-free model, not CloudWatch's timing. */
const METRICS_NOTE =
  "the proxy's 1-s figures per target group, read with no delay (CloudWatch's 60-s periods published minutes late are not applied: --aws-timing applies them)";

const NOT_MODELLED = [
  "ECS's deployment circuit breaker",
  'CloudWatch alarms (deploymentConfiguration.alarms)',
  'PAUSE hooks and ContinueServiceDeployment (StopServiceDeployment with ROLLBACK is modelled, through LocalEcsController; not exercised here)',
  "Lambda's own timeout and retries of a failed invocation (a failed invocation rolls back here)",
  'the order of the reversed-weight re-invocations on rollback (production first here) and whether hookDetails carry over between stages (they do not here): not documented',
  "the ALB's propagation of the listener weights ECS sets (the local proxy applies them at once)",
  "Application Auto Scaling and Spot interruptions of the service's tasks",
];

/** The hook's log lines, kept so the demo can print what it decided and why (nothing is printed by Powertools). */
class RecordingLogger extends Logger {
  readonly records: { message: string; attributes: Record<string, unknown> }[] = [];
  override info(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    this.keep(input, extra);
    super.info(input, ...extra);
  }
  override warn(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    this.keep(input, extra);
    super.warn(input, ...extra);
  }
  override error(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    this.keep(input, extra);
    super.error(input, ...extra);
  }
  private keep(input: LogItemMessage, extra: LogItemExtraInput): void {
    const message = typeof input === 'string' ? input : String(input.message);
    const attributes = Object.assign(
      {},
      ...extra.filter((e): e is Record<string, unknown> => typeof e === 'object' && !(e instanceof Error)),
    ) as Record<string, unknown>;
    this.records.push({ message, attributes });
  }
}

const timingNote = (t: Required<SimulationTiming>) =>
  `ECS minutes compressed ${60_000 / t.realMsPerEcsMinute}× (1 ECS minute = ${t.realMsPerEcsMinute / 1000} real s: stepBakeTimeInMinutes, bakeTimeInMinutes, the hook timeout); ` +
  (t.callBackDelayScale === 1
    ? 'callBackDelay waited in full (real seconds)'
    : `callBackDelay compressed ${Math.round(1 / t.callBackDelayScale)}× (as the rehearsal's clock)`);

/** Runs the demo; resolves with the report (also written to disk). */
export async function runEcsNativeDemo(options: EcsNativeDemoOptions = {}): Promise<EcsNativeDemoReport> {
  const out = options.out ?? process.stdout;
  const rate = options.ratePerSecond ?? 200;
  const stepPercent = options.stepPercent ?? DEMO_STEP_PERCENT;
  const rehearsal = await Rehearsal.start({
    ...(options.workDir ? { workDir: options.workDir } : {}),
    console: out,
    ...(options.awsTiming ? { awsTiming: { compress: options.awsTiming.compress } } : {}),
  });
  const aws = rehearsal.awsTiming;
  const timing = simulationTimingOf(rehearsal);
  const metricsNote = aws ? awsTimingHeader(aws).replace('\n', ' ') : `${METRICS_NOTE}.`;
  out.write(
    "SIMULATION of an ECS built-in deployment in the local rehearsal: Greenlight's workflow (the blue/green\n" +
      'state machine, controller: ecs) starts it and follows it; the simulation plays ECS (stages, weights,\n' +
      "hook invocations, rollback); Greenlight's ECS lifecycle hook is the Lambda handler itself, reading the\n" +
      'local ALB (a weighted proxy on 127.0.0.1), real task processes under load and probes.\n' +
      `Timing: ${timingNote(timing)}.\n` +
      `Metrics: ${metricsNote}\n` +
      `Not modelled: ${NOT_MODELLED.join('; ')}.\n\n`,
  );
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
    out.write('v1: starting the simulated ECS service "web" (2 tasks of greenlight/demo-app:v1)\n');
    const logger = new RecordingLogger({ logLevel: 'SILENT', serviceName: 'greenlight-ecs-hook' });
    let print: (event: StageEvent) => void = () => undefined;
    const service = await rehearsal.createEcsService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 2,
      hookLogger: logger,
      onStageEvent: (event) => print(event),
    });
    const [blueGroup, greenGroup] = rehearsal.ecsService!.simulated.targetGroupPair;
    const colors: Record<string, Color> = { [blueGroup]: 'blue', [greenGroup]: 'green' };
    const probeUrl = `${rehearsal.proxy.listenerUrl(LOCAL_TEST_LISTENER)}/health`;
    const spec: DeploymentSpecInput = {
      ...service,
      ...(aws ? awsSpec(probeUrl, stepPercent) : demoSpec(probeUrl, stepPercent)),
    };
    const target = controllerTarget(parseInput(SpecSchema, spec));
    if (target?.controller !== 'ecs') throw new Error('the demo spec is not an ECS-controlled one');
    const { lifecycleHooks, ...deploymentConfiguration } = target.target.configuration;
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: rate, maxInFlight: 200 });
    load.start();
    out.write(`load: ${rate} requests/s on ${rehearsal.proxy.url}\n`);
    out.write(`ECS deploymentConfiguration from the plan: ${JSON.stringify(deploymentConfiguration)}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const reports: EcsNativeDeploymentReport[] = [];
    const htmlReports: string[] = [];
    const releases = [
      { version: 'v2', image: 'greenlight/demo-app:v2', expected: 'SUCCESSFUL', greenlight: 'PROMOTED' },
      {
        version: 'v3',
        image: 'greenlight/demo-app:v3-faulty',
        expected: 'ROLLBACK_SUCCESSFUL',
        greenlight: 'ROLLED_BACK',
      },
    ];
    for (const release of releases) {
      out.write(
        `${release.version}: greenlight deploy ${release.image} (controller ecs; expected: ECS ${release.expected}, Greenlight ${release.greenlight})\n`,
      );
      const from = Date.now();
      let lastReasons: string[] = [];
      print = (event: StageEvent) => {
        const t = `${((Date.now() - from) / 1000).toFixed(1).padStart(5)}s`;
        if (event.type === 'stage') {
          out.write(
            `  ${release.version} ${t}  ${event.stage}${event.detail ? `  (${event.detail})` : ''}\n`,
          );
          return;
        }
        const gate = logger.records.at(-1);
        const evaluated = gate?.message === 'ECS hook: gate evaluated' ? gate.attributes : null;
        if (evaluated) lastReasons = (evaluated.reasons as string[] | undefined) ?? [];
        out.write(`  ${release.version} ${t}    hook → ${describeAnswer(event.invocation, evaluated)}\n`);
      };
      const deploymentId = `ecs-native-${release.version}`;
      const run = await rehearsal.deploy({ deploymentId, image: release.image, spec });
      const externalId = run.record?.external?.deploymentId;
      const result = externalId ? await rehearsal.ecsService!.controller.settled(externalId) : null;
      if (!run.record || !result) {
        throw new Error(
          `${release.version}: the service deployment did not start (${run.record?.error?.cause ?? run.status})`,
        );
      }
      // Let requests sent during the deployment finish before counting them.
      await new Promise((resolve) => setTimeout(resolve, 500));
      reports.push({
        ...figures(release, result, load, colors, { from, to: Date.now() - 500 }, lastReasons),
        greenlight: {
          deploymentId,
          status: run.record.status,
          cause: run.record.error?.cause ?? null,
          events: run.history.length,
        },
      });
      out.write(
        `${release.version}: ECS ${result.status}${result.cause ? ` (${result.failedStage}: ${result.cause})` : ''}; revision ${revisionId(result.targetRevisionArn)}\n` +
          `${release.version}: Greenlight ${run.record.status}${run.record.error ? ` (${run.record.error.cause})` : ''}; ${run.history.length} history events\n`,
      );
      const written = await writeReport(rehearsal.workDir, run.record, run.history);
      htmlReports.push(path.relative(process.cwd(), written.file));
      out.write(`${release.version}: report ${path.relative(process.cwd(), written.file)}\n\n`);
    }
    await load.stop();
    const [good, bad] = reports;
    const passed =
      good?.outcome === 'SUCCESSFUL' &&
      good.greenlight.status === 'PROMOTED' &&
      good.failedRequests === 0 &&
      bad?.outcome === 'ROLLBACK_SUCCESSFUL' &&
      bad.greenlight.status === 'ROLLED_BACK' &&
      bad.cause === 'the hook answered FAILED';
    const report: EcsNativeDemoReport = {
      simulated:
        "simulation of an ECS built-in deployment: ECS's part played by shared/local/ecs/native-deployment.ts over the local rehearsal (local processes, a weighted proxy), driven by Greenlight's workflow (LocalEcsController); the hook is Greenlight's real handler",
      timing: {
        ...timing,
        note: timingNote(timing),
        metrics: metricsNote,
        awsTiming: aws
          ? {
              compress: aws.compress,
              periodSeconds: aws.periodSeconds,
              publishDelaySeconds: aws.publishDelaySeconds,
            }
          : null,
      },
      deploymentConfiguration,
      lifecycleStages: lifecycleHooks[0]?.lifecycleStages ?? [],
      ratePerSecond: rate,
      notModelled: NOT_MODELLED,
      htmlReports,
      deployments: reports,
      passed,
    };
    const file = path.join(rehearsal.workDir, 'ecs-native-report.json');
    await mkdir(rehearsal.workDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    out.write(`${table(reports)}\n\nreport: ${path.relative(process.cwd(), file)}\n`);
    out.write(
      passed
        ? "ecs-native demo passed (simulation): v2 SUCCESSFUL and PROMOTED with 0 failed requests, v3 rolled back on Greenlight's hook FAILED\n"
        : 'ecs-native demo FAILED: outcomes differ from the expected ones\n',
    );
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await load?.stop();
    await rehearsal.stop();
  }
}

function describeAnswer(i: HookInvocation, evaluated: Record<string, unknown> | null): string {
  const share = i.productionPercent === null ? '' : ` production ${i.productionPercent}%`;
  const delay = i.hookStatus === 'IN_PROGRESS' ? ` (callBackDelay ${i.callBackDelay ?? 30} s)` : '';
  const why = evaluated
    ? `  [${String(evaluated.decision)}${(evaluated.reasons as string[] | undefined)?.length ? `: ${(evaluated.reasons as string[]).slice(0, 1).join('; ')}` : ''}]`
    : '';
  return `${i.stage}${i.rollback ? ' (rollback, reversed weights)' : ''}${share}: ${i.hookStatus}${delay}${why}`;
}

function figures(
  release: { version: string; image: string; expected: string },
  result: SimulatedDeploymentResult,
  load: LoadGenerator,
  colors: Record<string, Color>,
  window: { from: number; to: number },
  hookReasons: string[],
): Omit<EcsNativeDeploymentReport, 'greenlight'> {
  const stats = load.stats(window.from, window.to);
  const failedByColor: Record<Color, number> = { blue: 0, green: 0 };
  for (const [tg, f] of Object.entries(stats.byTargetGroup)) {
    const color = colors[tg];
    if (color) failedByColor[color] += f.failed;
  }
  const firstFailure = stats.byTargetGroup[result.targetGroups.new]?.firstFailureAt ?? null;
  const restored =
    result.status === 'ROLLBACK_SUCCESSFUL' && firstFailure !== null
      ? result.productionShifts.find((s) => s.at >= firstFailure && s.newPercent === 0)
      : undefined;
  return {
    version: release.version,
    image: release.image,
    outcome: result.status,
    expected: release.expected,
    durationMs: result.endedAt - result.startedAt,
    requests: stats.requests,
    failedRequests: stats.failed,
    failedByColor,
    newColor: colors[result.targetGroups.new] ?? 'green',
    detectMs: restored && firstFailure !== null ? restored.at - firstFailure : null,
    hookInvocations: result.invocations.length,
    inProgressAnswers: result.invocations.filter((i) => i.hookStatus === 'IN_PROGRESS').length,
    rollbackInvocations: result.invocations
      .filter((i) => i.rollback)
      .map((i) => ({ stage: i.stage, hookStatus: i.hookStatus })),
    failedStage: result.failedStage,
    cause: result.cause,
    hookReasons: result.status === 'ROLLBACK_SUCCESSFUL' ? hookReasons : [],
    invocations: result.invocations.map(({ at, ...i }) => ({ ...i, atMs: at - result.startedAt })),
  };
}

function table(rows: EcsNativeDeploymentReport[]): string {
  return textTable(
    [
      'version',
      'outcome',
      'expected',
      'duration',
      'requests',
      'failed',
      'failed blue/green',
      'new in',
      'detect',
      'hook calls',
      'in progress',
    ],
    rows.map((r) => [
      r.version,
      r.outcome,
      r.expected,
      `${(r.durationMs / 1000).toFixed(1)} s`,
      String(r.requests),
      String(r.failedRequests),
      `${r.failedByColor.blue}/${r.failedByColor.green}`,
      r.newColor,
      r.detectMs === null ? '-' : `${r.detectMs} ms`,
      String(r.hookInvocations),
      String(r.inProgressAnswers),
    ]),
  );
}

/** `greenlight demo ecs-native [--rate N] [--aws-timing [--compress N]] [--work-dir DIR]`: exit 0 only when both outcomes are as expected. */
export async function ecsNativeDemoCommand(
  args: string[],
  io: { stdout: { write(chunk: string): unknown }; stderr: { write(chunk: string): unknown } },
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: 'string', default: '200' },
      'work-dir': { type: 'string' },
      'aws-timing': { type: 'boolean' },
      compress: { type: 'string' },
    },
    strict: true,
  });
  const compress = parseCompression(values.compress, values['aws-timing'], DEFAULT_ECS_NATIVE_COMPRESSION);
  if (typeof compress === 'string') {
    io.stderr.write(`${compress}\n`);
    return 2;
  }
  const rate = Number(values.rate);
  if (!Number.isInteger(rate) || rate < 1 || rate > 2000) {
    io.stderr.write(`--rate: expected an integer from 1 to 2000, got "${values.rate}"\n`);
    return 2;
  }
  const report = await runEcsNativeDemo({
    ratePerSecond: rate,
    out: io.stdout,
    ...(compress !== null ? { awsTiming: { compress } } : {}),
    ...(values['work-dir'] ? { workDir: values['work-dir'] } : {}),
  });
  return report.passed ? 0 : 1;
}
