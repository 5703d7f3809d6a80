/**
 * The local rehearsal (simulated AWS): the blue/green state machine file and the very same step
 * handlers, run by aws-local-stepfunctions against real local processes (the "ECS services")
 * behind a real weighted reverse proxy (the "ALB"), with dynalite as DynamoDB and a JSONL file
 * as SNS. Only the AWS services are simulated; the traffic, processes and decisions are real.
 */
import './polyfills';
import path from 'node:path';
import { createDeploySteps, type DeployDeps } from '../../functions/deploy';
import { controlDeployment } from '../../functions/deploy/control';
import { externalPollSeconds } from '../../functions/deploy/external';
import {
  DeployRequestSchema,
  type DeployRequest,
  type DeployRequestInput,
  type DeploymentEvent,
  type DeploymentRecord,
  type ManualAction,
} from '../domain/deployment';
import type { Weights } from '../domain/colors';
import { InvalidInputError } from '../domain/errors';
import { greenlightParts, type DeploymentSpecInput } from '../domain/spec';
import { HOOK_WAIT_MIN_SECONDS } from '../domain/user-hooks';
import { parseInput } from '../domain/validation';
import { DynamoStore } from '../aws/dynamo-store';
import { HttpProbe } from '../aws/http-probe';
import { createLogger } from '../lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import { systemClock, type Clock } from '../ports/clock';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaUserHooks } from '../aws/lambda-user-hooks';
import { UserHooksByTarget } from '../aws/user-hooks-by-target';
import { WebhookUserHooks } from '../aws/webhook-user-hooks';
import type { Notifier } from '../ports/notifier';
import { AlbProxy, type AlbProxyOptions } from './alb/proxy';
import { LocalAlarms } from './cloudwatch/local-alarms';
import { startDynalite, type LocalDynamo } from './dynamodb/dynalite';
import { runStateMachine, type EngineEvent, type RunResult } from './sfn/engine';
import { FileNotifier } from './sns/file-notifier';
import { ImageCatalog } from './ecs/image-catalog';
import { CLOUDWATCH_PUBLICATION, LocalMetrics, type PublicationModel } from './alb/local-metrics';
import { DEFAULT_RETENTION_MS } from './alb/metric-buckets';
import { CompressedClock } from './compressed-clock';
import { LocalLambda } from './lambda/local-lambda';
import { LocalRouter } from './alb/local-router';
import { ProcessFleet } from './ecs/process-fleet';
import { LocalEcsController } from './ecs/local-ecs-controller';
import type { SimulatedEcsLinearService, StageEvent } from './ecs/native-deployment';
import {
  LOCAL_ECS_HOOK_ARN,
  LOCAL_ECS_HOOK_ROLE_ARN,
  rehearsalEcsHook,
  simulatedEcsService,
  simulationTimingOf,
} from './ecs/native-rehearsal';
import { SimulatedServiceFleet } from './ecs/simulated-service-fleet';
import { NoScalableTargets } from './ecs/no-scalable-targets';
import { LocalTaskDefinitions } from './ecs/task-definitions';
import { LocalPrometheus, rehearsalPrometheusSource, type ScrapeTarget } from './prometheus/local-prometheus';
import { MetricsBySource } from '../aws/metrics-by-source';
import { PrometheusMetrics } from '../aws/prometheus-metrics';
import type { Color } from '../domain/colors';
import type { GateMetricsInput } from '../domain/gate';
import type { TrafficMetrics } from '../ports/metrics';

export const LOCAL_CLUSTER = 'local';
export const LOCAL_LISTENER = 'local-listener';
/** The proxy's second listener, for the test-traffic phase: its own port, its own weights. */
export const LOCAL_TEST_LISTENER = 'local-test-listener';
export const STATE_MACHINE_FILE = 'blue-green.asl.json';

export interface RehearsalOptions {
  /** Where notifications, task logs and reports go (default `.greenlight`). */
  workDir?: string;
  catalog?: ImageCatalog;
  proxy?: AlbProxyOptions;
  /** Handler log level (Powertools); the rehearsal prints its own progress. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Also print each notification's subject here (e.g. process.stdout). */
  console?: { write(chunk: string): unknown };
  /**
   * Run on AWS timing: metrics in CloudWatch's periods, published late, on a clock compressed
   * `compress` times (see AwsTiming). Unset: lag-free 1-s metrics in real time.
   */
  awsTiming?: AwsTimingOptions;
  /**
   * Also run a real Prometheus (/usr/bin/prometheus) scraping the fleet every second, so specs
   * may use `gate.metrics.source: prometheus` (see `prometheusSource()`). Real time only.
   */
  prometheus?: boolean;
}

export interface AwsTimingOptions {
  /** Virtual seconds per real second, 1 to 60 (10: a 10-minute deployment takes 1 real minute). */
  compress: number;
  /** The simulated CloudWatch's lag in virtual seconds (default 120, the spec's default model). */
  publishDelaySeconds?: number;
}

/** The rehearsal's timing on AWS: CloudWatch's periods and lag, in time compressed `compress` times. */
export interface AwsTiming extends PublicationModel {
  compress: number;
}

/**
 * The header a rehearsal on AWS timing prints (two lines), so nobody reads its times as real
 * ones or its request counts as AWS's.
 */
export function awsTimingHeader(timing: AwsTiming): string {
  const c = timing.compress;
  return (
    `AWS timing, time compressed ${c}×: metrics in ${timing.periodSeconds}-s periods published ` +
    `${timing.publishDelaySeconds} s after they end (virtual seconds; 1 real s = ${c} virtual s).\n` +
    `Request counts per period are 1/${c} of what the same request rate gives on AWS.`
  );
}

export interface LocalServiceOptions {
  service: string;
  image: string;
  desiredCount: number;
  containerName?: string;
  containerPort?: number;
  environment?: Record<string, string>;
}

export interface DeployOptions {
  /**
   * Multiplies every Wait state (0 = no waiting); 1 (the default) waits as the spec says, in the
   * rehearsal's time (on AWS timing, 1/compress real seconds per second the spec says).
   */
  timeScale?: number;
  onEvent?: (event: EngineEvent) => void;
}

export interface DeployResult extends RunResult {
  deploymentId: string;
  record: DeploymentRecord | null;
  history: DeploymentEvent[];
}

/** A running local rehearsal environment; `stop()` ends every process and server it started. */
export class Rehearsal {
  private stopped = false;
  /** The real Prometheus scraping the fleet (option `prometheus`), or null. */
  prometheus: LocalPrometheus | null = null;
  /** Each target group's color, as createService set them up (the scrape labels). */
  private readonly colorOf = new Map<string, Color>();
  /** Every weight change the workflow made, with its time: the basis of detection-time figures. */
  readonly weightChanges: { at: number; weights: Weights }[] = [];
  private readonly executions = new Map<string, Promise<DeployResult>>();
  /** The SIMULATED ECS-controlled service (createEcsService) and the controller that drives it. */
  ecsService: { simulated: SimulatedEcsLinearService; controller: LocalEcsController } | null = null;

  private constructor(
    /** Lag-free (null) or AWS timing. */
    readonly awsTiming: AwsTiming | null,
    /** The clock of every handler and local adapter: virtual on AWS timing. */
    readonly clock: Clock,
    /** The Metrics adapter of deps.metrics, with its load-balancer figures. */
    readonly metrics: LocalMetrics,
    readonly workDir: string,
    readonly dynamo: LocalDynamo,
    readonly proxy: AlbProxy,
    readonly fleet: ProcessFleet,
    readonly taskDefinitions: LocalTaskDefinitions,
    readonly catalog: ImageCatalog,
    readonly deps: DeployDeps,
    /** The local Lambda model the user hooks' function ARNs are invoked on. */
    readonly lambda: LocalLambda,
    /** deps.fleet: the process groups, and the simulated ECS-controlled service by its name. */
    private readonly fleetView: SimulatedServiceFleet,
  ) {}

  static async start(options: RehearsalOptions = {}): Promise<Rehearsal> {
    const workDir = path.resolve(options.workDir ?? '.greenlight');
    const catalog = options.catalog ?? new ImageCatalog();
    const awsTiming: AwsTiming | null = options.awsTiming
      ? {
          ...CLOUDWATCH_PUBLICATION,
          ...(options.awsTiming.publishDelaySeconds !== undefined
            ? { publishDelaySeconds: checkDelay(options.awsTiming.publishDelaySeconds) }
            : {}),
          compress: options.awsTiming.compress,
        }
      : null;
    const clock: Clock = awsTiming ? new CompressedClock(awsTiming.compress) : systemClock;
    const dynamo = await startDynalite();
    let proxy: AlbProxy | undefined;
    try {
      proxy = await AlbProxy.start({
        // Buckets are stamped in the rehearsal's time, so windows and periods need no mapping;
        // kept 30 real minutes whatever the compression.
        now: () => clock.now(),
        metricsRetentionMs: DEFAULT_RETENTION_MS * (awsTiming?.compress ?? 1),
        ...options.proxy,
      });
      await proxy.addListener(LOCAL_TEST_LISTENER);
      const taskDefinitions = new LocalTaskDefinitions();
      const fleet = new ProcessFleet({
        proxy,
        taskDefinitions,
        catalog,
        logDir: path.join(workDir, 'tasks'),
        clock,
      });
      const notifier: Notifier = new FileNotifier({
        path: path.join(workDir, 'notifications.jsonl'),
        clock,
        ...(options.console ? { console: options.console } : {}),
      });
      const router = new LocalRouter(proxy, { listener: LOCAL_LISTENER });
      const alarms = new LocalAlarms();
      const metrics = new LocalMetrics(proxy, awsTiming ? { awsTiming } : {});
      const lambda = new LocalLambda();
      const fleetView = new SimulatedServiceFleet(fleet);
      const deps: DeployDeps = {
        // Simulated: local alarms are set by hand (rehearsal.alarms.inAlarm), not computed from metrics.
        alarms,
        // The process groups, and the simulated ECS-controlled service (createEcsService) by its name.
        fleet: fleetView,
        router,
        // The spec's source: the proxy's figures for alb, PromQL on the real local Prometheus;
        // user CloudWatch queries are not modelled (no local CloudWatch).
        metrics: new MetricsBySource({
          alb: metrics,
          cloudwatch: notModelled('gate.metrics.source cloudwatch: the rehearsal has no CloudWatch'),
          prometheus: new PrometheusMetrics(),
        }),
        // The production adapter as is: plain HTTP to the proxy's listeners.
        probe: new HttpProbe(),
        // Not modelled: the local services have no scalable target (README, "What is real").
        scaling: new NoScalableTargets(),
        store: new DynamoStore({ client: dynamo.documentClient, tableName: dynamo.tableName }),
        notifier,
        clock,
        logger: createLogger({ logLevel: options.logLevel ?? 'SILENT' }),
        // Both production adapters: webhooks with plain http allowed to 127.0.0.1 only (local hook
        // servers); Lambda hooks invoked on the local Lambda model (rehearsal.lambda: register a
        // function ARN to a local handler or module; an unregistered one is ResourceNotFound).
        userHooks: new UserHooksByTarget({
          lambda: new LambdaUserHooks({ client: lambda as unknown as Pick<LambdaClient, 'send'> }),
          webhook: new WebhookUserHooks({ allowLoopbackHttp: true }),
        }),
      };
      const rehearsal = new Rehearsal(
        awsTiming,
        clock,
        metrics,
        workDir,
        dynamo,
        proxy,
        fleet,
        taskDefinitions,
        catalog,
        deps,
        lambda,
        fleetView,
      );
      if (options.prometheus) {
        if (awsTiming) {
          throw new InvalidInputError(
            'prometheus: real time only (Prometheus stamps samples with the real clock), not with awsTiming',
          );
        }
        rehearsal.prometheus = await LocalPrometheus.start({ targets: () => rehearsal.scrapeTargets() });
      }
      const setWeights = router.setWeights.bind(router);
      router.setWeights = async (route, weights) => {
        await setWeights(route, weights);
        // Real time, like the load generator's samples they are compared with.
        if (route.listener === LOCAL_LISTENER)
          rehearsal.weightChanges.push({ at: Date.now(), weights: { ...weights } });
      };
      return rehearsal;
    } catch (error) {
      await proxy?.stop();
      await dynamo.stop();
      throw error;
    }
  }

  /**
   * Creates a service the way a platform team sets one up for Greenlight: a task definition, two
   * ECS services (blue live with `desiredCount` tasks, green at 0), two target groups, and the
   * listener and the test listener forwarding 100 % to blue. Resolves when blue is steady and
   * healthy. Returns the spec fields that describe it (`testTrafficSpec` adds the test listener's).
   */
  async createService(
    options: LocalServiceOptions,
  ): Promise<
    Pick<DeploymentSpecInput, 'service' | 'cluster' | 'container'> &
      Required<Pick<DeploymentSpecInput, 'slots' | 'traffic'>>
  > {
    const containerName = options.containerName ?? 'app';
    const containerPort = options.containerPort ?? 8080;
    this.catalog.resolve(options.image);
    const taskDefinition = this.taskDefinitions.register({
      family: options.service,
      containerDefinitions: [
        {
          name: containerName,
          image: options.image,
          essential: true,
          environment: Object.entries(options.environment ?? {}).map(([name, value]) => ({ name, value })),
          portMappings: [{ containerPort }],
        },
      ],
    });
    const slots = {
      blue: { service: `${options.service}-blue`, targetGroup: `${options.service}-blue-tg` },
      green: { service: `${options.service}-green`, targetGroup: `${options.service}-green-tg` },
    };
    for (const [color, slot] of Object.entries(slots)) {
      this.colorOf.set(slot.targetGroup, color as Color);
      this.proxy.createTargetGroup(slot.targetGroup);
      this.fleet.createService({
        cluster: LOCAL_CLUSTER,
        service: slot.service,
        targetGroup: slot.targetGroup,
        ...(color === 'blue' ? { taskDefinition } : {}),
        desiredCount: color === 'blue' ? options.desiredCount : 0,
      });
    }
    this.proxy.setWeights({ [slots.blue.targetGroup]: 100, [slots.green.targetGroup]: 0 });
    this.proxy.setWeights(
      { [slots.blue.targetGroup]: 100, [slots.green.targetGroup]: 0 },
      LOCAL_TEST_LISTENER,
    );
    await this.waitUntil(
      async () => {
        const status = await this.fleet.describe({ cluster: LOCAL_CLUSTER, service: slots.blue.service });
        return status.steady;
      },
      60_000,
      `${slots.blue.service} did not become steady`,
    );
    return {
      service: options.service,
      cluster: LOCAL_CLUSTER,
      slots,
      traffic: { listener: LOCAL_LISTENER },
      container: { name: containerName, port: containerPort },
    };
  }

  /**
   * Spec fields for a test-traffic phase on the local test listener, with probes of `path` on its
   * address (override any field of either).
   */
  testTrafficSpec(
    options: {
      path?: string;
      testTraffic?: Partial<NonNullable<DeploymentSpecInput['testTraffic']>>;
      probes?: Partial<NonNullable<DeploymentSpecInput['probes']>>;
    } = {},
  ): Required<Pick<DeploymentSpecInput, 'testTraffic' | 'probes'>> {
    return {
      testTraffic: { listener: LOCAL_TEST_LISTENER, ...options.testTraffic },
      probes: {
        url: `${this.proxy.listenerUrl(LOCAL_TEST_LISTENER)}${options.path ?? '/'}`,
        ...options.probes,
      },
    };
  }

  /**
   * Creates a service whose deployments ECS's built-in strategies shift (a SIMULATION of LINEAR,
   * CANARY and BLUE_GREEN: native-deployment.ts plays ECS), for specs with `controller: ecs`: the
   * process groups and target groups of createService stand for the two revisions' tasks,
   * Greenlight's real ECS hook handler
   * is registered in the local Lambda model (writing its verdicts into this rehearsal's store), and
   * the workflow's `controllers.ecs` is a LocalEcsController over the simulated service. One such
   * service per rehearsal. Returns the spec fields that describe it.
   */
  async createEcsService(
    options: LocalServiceOptions & {
      /** The hook handler's logger (default: the handlers'). */
      hookLogger?: Logger;
      /** Each stage and hook answer the simulation plays (for printing). */
      onStageEvent?: (event: StageEvent) => void;
    },
  ): Promise<
    Pick<DeploymentSpecInput, 'service' | 'cluster' | 'container'> & {
      controller: 'ecs';
      ecs: NonNullable<DeploymentSpecInput['ecs']>;
    }
  > {
    if (this.ecsService) {
      throw new InvalidInputError(
        `service: the rehearsal models one ECS-controlled service ("${this.ecsService.simulated.names.service}" exists)`,
      );
    }
    const base = await this.createService(options);
    const simulated = await simulatedEcsService(this, base, {
      service: options.service,
      desiredCount: options.desiredCount,
    });
    const handler = rehearsalEcsHook(this, simulated, base, {
      logger: options.hookLogger ?? this.deps.logger,
      history: { store: this.deps.store, notifier: this.deps.notifier },
    });
    this.lambda.register(LOCAL_ECS_HOOK_ARN, { handler }, { timeoutSeconds: 60 });
    const controller = new LocalEcsController({
      service: simulated,
      lambda: this.lambda,
      timing: simulationTimingOf(this),
      ...(options.onStageEvent ? { onEvent: options.onStageEvent } : {}),
    });
    this.ecsService = { simulated, controller };
    this.fleetView.serve(simulated);
    this.deps.controllers = { ...this.deps.controllers, ecs: controller };
    return {
      service: options.service,
      cluster: LOCAL_CLUSTER,
      container: base.container,
      controller: 'ecs',
      ecs: {
        service: options.service,
        hookFunctionArn: LOCAL_ECS_HOOK_ARN,
        hookRoleArn: LOCAL_ECS_HOOK_ROLE_ARN,
      },
    };
  }

  /**
   * Checks a request against the schema and the local environment before anything runs: the spec
   * is valid, the image is in the local catalog, the services and target groups exist.
   */
  validate(input: DeployRequestInput | unknown): DeployRequest {
    const request = parseInput(DeployRequestSchema, input);
    this.catalog.resolve(request.image);
    const { spec } = request;
    this.checkMetrics(spec);
    if (spec.controller === 'codedeploy') {
      throw new InvalidInputError(
        'spec.controller: codedeploy is not modelled in the rehearsal (no local CodeDeploy); use greenlight or ecs',
      );
    }
    if (spec.controller === 'ecs') {
      const known = this.ecsService?.simulated.names.service;
      if (spec.ecs?.service !== known) {
        throw new InvalidInputError(
          `spec.ecs.service: no simulated ECS-controlled service "${spec.ecs?.service}" (${known ? `known: ${known}` : 'create one with createEcsService'})`,
        );
      }
      return request;
    }
    const { slots, traffic } = greenlightParts(spec);
    if (traffic.listener !== LOCAL_LISTENER) {
      throw new InvalidInputError(
        `spec.traffic.listener: expected "${LOCAL_LISTENER}" in the local rehearsal, got "${traffic.listener}"`,
      );
    }
    if (spec.testTraffic && spec.testTraffic.listener !== LOCAL_TEST_LISTENER) {
      throw new InvalidInputError(
        `spec.testTraffic.listener: expected "${LOCAL_TEST_LISTENER}" in the local rehearsal, got "${spec.testTraffic.listener}"`,
      );
    }
    const groups = this.proxy.targetGroups();
    for (const color of ['blue', 'green'] as const) {
      const slot = slots[color];
      if (!groups.includes(slot.targetGroup)) {
        throw new InvalidInputError(
          `spec.slots.${color}.targetGroup: no local target group "${slot.targetGroup}" (known: ${groups.join(', ')})`,
        );
      }
    }
    return request;
  }

  /** The spec's metrics model and source, as this rehearsal can serve them. */
  private checkMetrics(spec: DeployRequest['spec']): void {
    if (this.awsTiming && spec.metrics.periodSeconds % this.awsTiming.periodSeconds !== 0) {
      throw new InvalidInputError(
        `spec.metrics.periodSeconds: the rehearsal on AWS timing publishes ${this.awsTiming.periodSeconds}-s periods (as CloudWatch's ALB metrics), got ${spec.metrics.periodSeconds}; remove "metrics" for CloudWatch's default model`,
      );
    }
    const source = spec.gate.metrics?.source ?? 'alb';
    if (source === 'cloudwatch') {
      throw new InvalidInputError(
        'spec.gate.metrics.source: cloudwatch queries are not modelled in the rehearsal (no local CloudWatch); use alb or prometheus',
      );
    }
    if (source === 'prometheus' && !this.prometheus) {
      throw new InvalidInputError(
        'spec.gate.metrics.source: prometheus needs the rehearsal started with its Prometheus (demo --metrics prometheus)',
      );
    }
  }

  /** Runs one deployment through the blue/green state machine, to its end. */
  async deploy(input: DeployRequestInput, options: DeployOptions = {}): Promise<DeployResult> {
    const request = this.validate(input);
    // Like StartExecution with an existing execution name: the same deployment id is the same
    // deployment, never a second one.
    const existing = this.executions.get(request.deploymentId);
    if (existing) return existing;
    const execution = this.execute(request, input, options);
    this.executions.set(request.deploymentId, execution);
    return execution;
  }

  private async execute(
    request: DeployRequest,
    input: DeployRequestInput,
    options: DeployOptions,
  ): Promise<DeployResult> {
    const scale = (options.timeScale ?? 1) / (this.awsTiming?.compress ?? 1);
    const { spec } = request;
    const waitTimeOverrides: Record<string, number> =
      scale === 1
        ? {}
        : {
            WaitForNewColor: spec.launch.pollSeconds * 1000 * scale,
            ObserveWait: spec.gate.intervalSeconds * 1000 * scale,
            BakeWait: spec.gate.intervalSeconds * 1000 * scale,
            RollbackSettle: spec.trafficSettleSeconds * 1000 * scale,
            RetireSettle: spec.trafficSettleSeconds * 1000 * scale,
            ...(spec.testTraffic ? { TestTrafficWait: spec.testTraffic.intervalSeconds * 1000 * scale } : {}),
            ...(spec.controller === 'greenlight'
              ? {}
              : { WaitExternal: externalPollSeconds(spec) * 1000 * scale }),
            // A hook's delay is the Wait's SecondsPath, which an override cannot scale: each turn
            // waits the shortest delay, scaled, and a turn before the hook's retry time only waits
            // again (it never calls the hook sooner than AWS would).
            ...Object.fromEntries(
              ['BeforeLaunchHookWait', 'BeforeStepHookWait', 'BeforePromoteHookWait'].map((state) => [
                state,
                HOOK_WAIT_MIN_SECONDS * 1000 * scale,
              ]),
            ),
          };
    const result = await runStateMachine({
      file: STATE_MACHINE_FILE,
      handlers: createDeploySteps(this.deps),
      input,
      waitTimeOverrides,
      executionName: request.deploymentId,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const record = await this.deps.store.getDeployment(request.deploymentId);
    const history = await this.deps.store.listEvents(request.deploymentId);
    return { ...result, deploymentId: request.deploymentId, record, history };
  }

  /** A manual command for a running deployment: approve, promote, abort, pause or resume. */
  control(input: { deploymentId: string; action: ManualAction; by: string }): Promise<DeploymentRecord> {
    return controlDeployment(this.deps, input);
  }

  /** Stops every task process, the proxy and dynalite. Safe to call more than once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.prometheus?.stop();
    await this.fleet.stopAll();
    await this.proxy.stop();
    await this.dynamo.stop();
  }

  /**
   * The `gate.metrics` of a spec judged on PromQL against this rehearsal's Prometheus (started
   * with the `prometheus` option).
   */
  prometheusSource(): GateMetricsInput {
    if (!this.prometheus)
      throw new InvalidInputError('prometheus: start the rehearsal with { prometheus: true }');
    return rehearsalPrometheusSource(this.prometheus.url);
  }

  /** Every task registered in a target group createService set up, labelled with its color. */
  private scrapeTargets(): ScrapeTarget[] {
    return [...this.colorOf].flatMap(([targetGroup, color]) =>
      this.proxy
        .targets(targetGroup)
        .map((t) => ({ host: t.host, port: t.port, color, targetGroup, task: t.id })),
    );
  }

  /**
   * A real duration (e.g. between two real timestamps) in the rehearsal's time: the same on
   * lag-free timing, `compress` times longer on AWS timing.
   */
  virtualMs(realMs: number): number {
    return realMs * (this.awsTiming?.compress ?? 1);
  }

  private async waitUntil(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(message);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function checkDelay(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    const message = `expected an integer from 0 to 3600, got ${seconds}`;
    throw new InvalidInputError(`awsTiming.publishDelaySeconds: ${message}`, [
      { path: 'awsTiming.publishDelaySeconds', message },
    ]);
  }
  return seconds;
}

/** A metric source the rehearsal does not model: any read fails with `why`, never a fake figure. */
function notModelled(why: string): TrafficMetrics {
  return {
    sample: () => Promise.reject(new InvalidInputError(why)),
  };
}
