/**
 * A small, consistent AWS account in memory for the production adapters (simulated AWS, not AWS):
 * aws-sdk-client-mock stubs of the ECS, ELBv2, CloudWatch and SNS clients whose fakes share one
 * state, so every read reflects the writes before it:
 *
 * - ECS: cluster `prod`, services `web-blue` (2 tasks on `web:41`) and `web-green` (0 tasks on
 *   `web:40`), each registered in its target group. UpdateService takes effect at once: the
 *   service has one PRIMARY deployment, COMPLETED, with every desired task running (no start-up
 *   time is simulated); the tasks it replaces or scales in are stopped as ECS stops them
 *   (ServiceSchedulerInitiated, "Scaling activity initiated by (deployment ...)") and listed by
 *   ListTasks / DescribeTasks for an hour. No task crashes. Task definitions are registered as new
 *   revisions of their family.
 * - ELBv2: one HTTPS listener whose default forward action lists both target groups; ModifyListener
 *   rewrites it and DescribeListeners returns what was written. Running tasks are healthy targets.
 * - CloudWatch: `AWS/ApplicationELB` per-target-group metrics computed from the listener's weights
 *   over time (a steady `requestsPerSecond`), the 5xx share of the image each target group's
 *   service runs, and fixed latencies. Like CloudWatch, counts that are zero have no data point,
 *   and a minute is readable only `publishDelaySeconds` after it ends (default 60 s: data comes
 *   in whole minutes, some time after each; a query reaching into unpublished minutes gets what
 *   is published so far).
 * - SNS: one standard topic; Publish checks the subject and attributes as SNS does.
 * - Application Auto Scaling: a scalable target (ECS desired count) on each service — blue's as its
 *   user set it (min 2, max 6, nothing suspended), green's as an earlier deployment left it (min =
 *   max = 0, all suspended). RegisterScalableTarget changes only the fields sent and moves the
 *   service's desired count into [min, max] at once, as AWS documents; no policy is simulated, so
 *   nothing else scales the services.
 *
 * Responses are shaped like the real APIs' (the fields the adapters read and the usual others).
 * Every command sent is logged in order with its input; a command without a fake is rejected.
 * The stubs replace `send` on the client classes (`mockClient(ECSClient)`): call `restore()`.
 */
import { randomUUID } from 'node:crypto';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  InvalidParameterValueException,
  type DescribeAlarmsCommandInput,
  type DescribeAlarmsCommandOutput,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  ClientException,
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
  type DescribeServicesCommandInput,
  type DescribeServicesCommandOutput,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTaskDefinitionCommandOutput,
  type DescribeTasksCommandInput,
  type DescribeTasksCommandOutput,
  type ListTasksCommandInput,
  type ListTasksCommandOutput,
  type RegisterTaskDefinitionCommandInput,
  type RegisterTaskDefinitionCommandOutput,
  type Service,
  type Tag,
  type Task,
  type TaskDefinition,
  type UpdateServiceCommandInput,
  type UpdateServiceCommandOutput,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  ListenerNotFoundException,
  ModifyListenerCommand,
  TargetGroupNotFoundException,
  type Action,
  type DescribeListenersCommandInput,
  type DescribeListenersCommandOutput,
  type DescribeTargetGroupsCommandInput,
  type DescribeTargetGroupsCommandOutput,
  type DescribeTargetHealthCommandInput,
  type DescribeTargetHealthCommandOutput,
  type Listener,
  type ModifyListenerCommandInput,
  type ModifyListenerCommandOutput,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  InvalidParameterException as SnsInvalidParameterException,
  NotFoundException as SnsNotFoundException,
  PublishCommand,
  SNSClient,
  type PublishCommandInput,
  type PublishCommandOutput,
} from '@aws-sdk/client-sns';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  ValidationException as AasValidationException,
  type DescribeScalableTargetsCommandInput,
  type DescribeScalableTargetsCommandOutput,
  type RegisterScalableTargetCommandInput,
  type RegisterScalableTargetCommandOutput,
  type ScalableTarget,
} from '@aws-sdk/client-application-auto-scaling';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { Color } from '../../shared/domain/colors';

export const MOCK_REGION = 'eu-west-1';
export const MOCK_ACCOUNT = '123456789012';
const ELB = `arn:aws:elasticloadbalancing:${MOCK_REGION}:${MOCK_ACCOUNT}`;
const ECS = `arn:aws:ecs:${MOCK_REGION}:${MOCK_ACCOUNT}`;
const REGISTRY = `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com`;

/** The names and ARNs of the mocked account's blue/green service `web`. */
export const MOCK_AWS = {
  cluster: 'prod',
  loadBalancerArn: `${ELB}:loadbalancer/app/web/50dc6c495c0c9188`,
  listenerArn: `${ELB}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`,
  services: { blue: 'web-blue', green: 'web-green' } as Record<Color, string>,
  targetGroups: {
    blue: `${ELB}:targetgroup/web-blue/0123456789abcdef`,
    green: `${ELB}:targetgroup/web-green/fedcba9876543210`,
  } as Record<Color, string>,
  container: { name: 'app', port: 8080 },
  family: 'web',
  /** Blue runs `web:41` with this image; green is scaled to 0 on `web:40`. */
  liveImage: `${REGISTRY}/web:1.4.1`,
  previousImage: `${REGISTRY}/web:1.4.0`,
  topicArn: `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:greenlight-notifications`,
  /** The image prefix of new releases, e.g. `${imageRepository}:1.4.2`. */
  imageRepository: `${REGISTRY}/web`,
} as const;

/** One command sent to a mocked client: `service:Operation` (IAM action style), its input, the simulated time. */
export interface ApiCall {
  api: string;
  input: unknown;
  at: number;
}

export interface MockAwsOptions {
  /** The simulated time in epoch ms, read without side effects (metrics end there, weight changes are stamped with it). */
  now: () => number;
  /** Requests per second the listener receives, split by its weights. Default 500. */
  requestsPerSecond?: number;
  /** Share of 5xx responses per container image; images not listed get `baselineErrorRate`. */
  errorRates?: Record<string, number>;
  /** Default 0.001 (0.1 %). */
  baselineErrorRate?: number;
  /** Tasks of the live color (blue). Default 2. */
  desiredCount?: number;
  /** CloudWatch metric alarms of the account and their state (default none). */
  alarms?: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>;
  /** Scalable targets per color (null: none). Default MOCK_SCALABLE_TARGETS. */
  scalableTargets?: Record<Color, MockScalableTarget | null>;
  /** Seconds after a minute ends before GetMetricData returns its data (default 60). */
  publishDelaySeconds?: number;
}

/** A scalable target as the mocked account holds it. */
export interface MockScalableTarget {
  min: number;
  max: number;
  suspended: { in: boolean; out: boolean; scheduled: boolean };
}

/** Blue's target as its user set it; green's as an earlier deployment left it (held at 0). */
export const MOCK_SCALABLE_TARGETS: Record<Color, MockScalableTarget | null> = {
  blue: { min: 2, max: 6, suspended: { in: false, out: false, scheduled: false } },
  green: { min: 0, max: 0, suspended: { in: true, out: true, scheduled: true } },
};

interface FakeService {
  name: string;
  targetGroupArn: string;
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  deploymentId: string;
  deploymentCreatedAt: Date;
  createdAt: Date;
  updatedAt: Date;
  /** Running and stopped tasks, oldest first. */
  tasks: FakeTask[];
}

interface FakeTask {
  arn: string;
  taskDefinition: string;
  startedBy: string;
  startedAt: Date;
  stoppedAt?: Date;
  stoppedReason?: string;
}

/** ECS lists a stopped task for about an hour. */
const STOPPED_TASKS_VISIBLE_MS = 3600_000;
/** ListTasks pages and DescribeTasks requests hold at most 100 tasks. */
const MAX_TASKS_PER_CALL = 100;

/** The listener's weights from `at` on, per target group ARN. */
interface WeightSegment {
  at: number;
  weights: Map<string, number>;
}

const OK = (requestId = randomUUID()) => ({
  $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 },
});
const CLIENT_ERROR = {
  $metadata: { httpStatusCode: 400, requestId: 'mock', attempts: 1, totalRetryDelay: 0 },
};

/** p50 / p99 of TargetResponseTime, in seconds as CloudWatch reports it. */
const LATENCY_SECONDS = { p50: 0.012, p99: 0.085, average: 0.018 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStub = AwsStub<any, any, any>;

export class MockAws {
  /** Every command sent to a mocked client, in order. */
  readonly calls: ApiCall[] = [];
  /** Every message SNS accepted. */
  readonly published: PublishCommandInput[] = [];
  readonly stubs: {
    ecs: AnyStub;
    elasticloadbalancing: AnyStub;
    cloudwatch: AnyStub;
    sns: AnyStub;
    'application-autoscaling': AnyStub;
  };

  private readonly now: () => number;
  private readonly requestsPerSecond: number;
  private readonly publishDelayMs: number;
  private readonly errorRates: Record<string, number>;
  private readonly baselineErrorRate: number;
  private readonly alarms: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>;
  private readonly services = new Map<string, FakeService>();
  /** Scalable targets by resource id (`service/prod/web-blue`). */
  private readonly scalableTargets = new Map<string, MockScalableTarget & { arn: string; createdAt: Date }>();
  private readonly taskDefinitions = new Map<string, { definition: TaskDefinition; tags: Tag[] }>();
  /** Family → its latest revision; `web` has had 39 before the two this account starts with. */
  private readonly latestRevision = new Map<string, number>([[MOCK_AWS.family, 39]]);
  private defaultActions: Action[];
  private readonly timeline: WeightSegment[] = [];
  private sequence = 0;

  constructor(options: MockAwsOptions) {
    this.now = options.now;
    this.requestsPerSecond = options.requestsPerSecond ?? 500;
    this.publishDelayMs = (options.publishDelaySeconds ?? 60) * 1000;
    this.errorRates = options.errorRates ?? {};
    this.baselineErrorRate = options.baselineErrorRate ?? 0.001;
    this.alarms = { ...options.alarms };
    const t0 = new Date(this.now() - 30 * 24 * 3600_000);
    const previous = this.addTaskDefinition(MOCK_AWS.previousImage, t0);
    const live = this.addTaskDefinition(MOCK_AWS.liveImage, new Date(t0.getTime() + 3600_000));
    this.addService('blue', live, options.desiredCount ?? 2, t0);
    this.addService('green', previous, 0, t0);
    for (const [color, target] of Object.entries(options.scalableTargets ?? MOCK_SCALABLE_TARGETS)) {
      if (!target) continue;
      this.scalableTargets.set(`service/${MOCK_AWS.cluster}/${MOCK_AWS.services[color as Color]}`, {
        ...structuredClone(target),
        arn: `arn:aws:application-autoscaling:${MOCK_REGION}:${MOCK_ACCOUNT}:scalable-target/0ec5${color === 'blue' ? '1b' : '2a'}9f0c2e2d4f1e8a7b6c5d4e3f2a1b0c`,
        createdAt: t0,
      });
    }
    this.defaultActions = [
      {
        Type: 'forward',
        Order: 1,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: MOCK_AWS.targetGroups.blue, Weight: 100 },
            { TargetGroupArn: MOCK_AWS.targetGroups.green, Weight: 0 },
          ],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ];
    this.timeline.push({ at: -Infinity, weights: forwardWeights(this.defaultActions) });
    this.stubs = {
      ecs: mockClient(ECSClient),
      elasticloadbalancing: mockClient(ElasticLoadBalancingV2Client),
      cloudwatch: mockClient(CloudWatchClient),
      sns: mockClient(SNSClient),
      'application-autoscaling': mockClient(ApplicationAutoScalingClient),
    };
    this.install();
  }

  /** Puts the real `send` back on the mocked client classes. */
  restore(): void {
    for (const stub of Object.values(this.stubs)) stub.restore();
  }

  /** `service:Operation` → commands sent, counted from the stubs' own call history (unfaked commands included). */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [service, stub] of Object.entries(this.stubs)) {
      for (const call of stub.calls()) {
        const command = (call.args[0] as object).constructor.name.replace(/Command$/, '');
        const api = `${service}:${command}`;
        counts[api] = (counts[api] ?? 0) + 1;
      }
    }
    return counts;
  }

  /** The weights the listener's forward action gives blue and green now (ALB units, as written). */
  listenerWeights(): Record<Color, number> {
    const weights = forwardWeights(this.defaultActions);
    return {
      blue: weights.get(MOCK_AWS.targetGroups.blue) ?? 0,
      green: weights.get(MOCK_AWS.targetGroups.green) ?? 0,
    };
  }

  /** A color's ECS service as DescribeServices returns it. */
  service(color: Color): Service {
    return this.serviceView(this.services.get(MOCK_AWS.services[color])!);
  }

  /** The container image a task definition ARN runs (container `app`). */
  imageOf(taskDefinitionArn: string): string | undefined {
    const found = this.taskDefinitions.get(taskDefinitionArn)?.definition;
    return found?.containerDefinitions?.find((c) => c.name === MOCK_AWS.container.name)?.image;
  }

  /** A color's scalable target now, or null when it has none. */
  scalableTarget(color: Color): MockScalableTarget | null {
    const found = this.scalableTargets.get(`service/${MOCK_AWS.cluster}/${MOCK_AWS.services[color]}`);
    return found ? { min: found.min, max: found.max, suspended: { ...found.suspended } } : null;
  }

  private install(): void {
    const { ecs, elasticloadbalancing: elb, cloudwatch, sns } = this.stubs;
    const aas = this.stubs['application-autoscaling'];
    // First the catch-all, then the fakes: sinon prefers the matcher defined last.
    for (const [service, stub] of Object.entries(this.stubs)) {
      stub.onAnyCommand().callsFake(async (input: unknown) => {
        this.log(`${service}:(unfaked command)`, input);
        throw new Error(`mock-aws: no fake for this ${service} command (input ${JSON.stringify(input)})`);
      });
    }
    const fake = <I, O>(stub: AnyStub, api: string, command: unknown, handler: (input: I) => O) => {
      stub.on(command as never).callsFake(async (input: I) => {
        this.log(api, input);
        return handler(input);
      });
    };
    fake(ecs, 'ecs:DescribeServices', DescribeServicesCommand, (i: DescribeServicesCommandInput) =>
      this.describeServices(i),
    );
    fake(ecs, 'ecs:UpdateService', UpdateServiceCommand, (i: UpdateServiceCommandInput) =>
      this.updateService(i),
    );
    fake(
      ecs,
      'ecs:DescribeTaskDefinition',
      DescribeTaskDefinitionCommand,
      (i: DescribeTaskDefinitionCommandInput) => this.describeTaskDefinition(i),
    );
    fake(
      ecs,
      'ecs:RegisterTaskDefinition',
      RegisterTaskDefinitionCommand,
      (i: RegisterTaskDefinitionCommandInput) => this.registerTaskDefinition(i),
    );
    fake(ecs, 'ecs:ListTasks', ListTasksCommand, (i: ListTasksCommandInput) => this.listTasks(i));
    fake(ecs, 'ecs:DescribeTasks', DescribeTasksCommand, (i: DescribeTasksCommandInput) =>
      this.describeTasks(i),
    );
    fake(
      elb,
      'elasticloadbalancing:DescribeListeners',
      DescribeListenersCommand,
      (i: DescribeListenersCommandInput) => this.describeListeners(i),
    );
    fake(elb, 'elasticloadbalancing:ModifyListener', ModifyListenerCommand, (i: ModifyListenerCommandInput) =>
      this.modifyListener(i),
    );
    fake(
      elb,
      'elasticloadbalancing:DescribeTargetHealth',
      DescribeTargetHealthCommand,
      (i: DescribeTargetHealthCommandInput) => this.describeTargetHealth(i),
    );
    fake(
      elb,
      'elasticloadbalancing:DescribeTargetGroups',
      DescribeTargetGroupsCommand,
      (i: DescribeTargetGroupsCommandInput) => this.describeTargetGroups(i),
    );
    fake(cloudwatch, 'cloudwatch:GetMetricData', GetMetricDataCommand, (i: GetMetricDataCommandInput) =>
      this.getMetricData(i),
    );
    fake(cloudwatch, 'cloudwatch:DescribeAlarms', DescribeAlarmsCommand, (i: DescribeAlarmsCommandInput) =>
      this.describeAlarms(i),
    );
    fake(sns, 'sns:Publish', PublishCommand, (i: PublishCommandInput) => this.publish(i));
    fake(
      aas,
      'application-autoscaling:DescribeScalableTargets',
      DescribeScalableTargetsCommand,
      (i: DescribeScalableTargetsCommandInput) => this.describeScalableTargets(i),
    );
    fake(
      aas,
      'application-autoscaling:RegisterScalableTarget',
      RegisterScalableTargetCommand,
      (i: RegisterScalableTargetCommandInput) => this.registerScalableTarget(i),
    );
  }

  private log(api: string, input: unknown): void {
    this.calls.push({ api, input: structuredClone(input), at: this.now() });
  }

  // ---- ECS ----

  private addTaskDefinition(image: string, registeredAt: Date): string {
    const { definition } = this.register(
      {
        family: MOCK_AWS.family,
        taskRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/web-task`,
        executionRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/ecsTaskExecutionRole`,
        networkMode: 'awsvpc',
        cpu: '512',
        memory: '1024',
        requiresCompatibilities: ['FARGATE'],
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        containerDefinitions: [
          {
            name: MOCK_AWS.container.name,
            image,
            essential: true,
            portMappings: [
              { containerPort: MOCK_AWS.container.port, hostPort: MOCK_AWS.container.port, protocol: 'tcp' },
            ],
            environment: [{ name: 'MODE', value: 'prod' }],
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': '/ecs/web',
                'awslogs-region': MOCK_REGION,
                'awslogs-stream-prefix': 'web',
              },
            },
          },
          {
            name: 'log-router',
            image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
            essential: false,
          },
        ],
      },
      // Tags as DescribeTaskDefinition returns them for a family created by CloudFormation.
      [
        { key: 'team', value: 'shop' },
        { key: 'aws:cloudformation:stack-name', value: 'web' },
      ],
      registeredAt,
    );
    return definition.taskDefinitionArn!;
  }

  private register(
    input: RegisterTaskDefinitionCommandInput,
    tags: Tag[],
    registeredAt = new Date(this.now()),
  ): { definition: TaskDefinition; tags: Tag[] } {
    const { tags: _tags, ...writable } = input;
    const family = input.family ?? '';
    const revision = (this.latestRevision.get(family) ?? 0) + 1;
    this.latestRevision.set(family, revision);
    const definition: TaskDefinition = {
      ...structuredClone(writable),
      taskDefinitionArn: `${ECS}:task-definition/${input.family}:${revision}`,
      revision,
      status: 'ACTIVE',
      compatibilities: ['EC2', 'FARGATE'],
      requiresAttributes: [
        { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
        { name: 'ecs.capability.task-eni' },
      ],
      registeredAt,
      registeredBy: `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/greenlight-prepare/greenlight-prepare`,
    };
    const entry = { definition, tags: structuredClone(tags) };
    this.taskDefinitions.set(definition.taskDefinitionArn!, entry);
    return entry;
  }

  /** A task definition by ARN, `family:revision` or family (latest ACTIVE revision). */
  private resolveTaskDefinition(ref: string): { definition: TaskDefinition; tags: Tag[] } | undefined {
    const exact = this.taskDefinitions.get(ref) ?? this.taskDefinitions.get(`${ECS}:task-definition/${ref}`);
    if (exact) return exact;
    const latest = [...this.taskDefinitions.values()]
      .filter((t) => t.definition.family === ref && t.definition.status === 'ACTIVE')
      .sort((a, b) => (b.definition.revision ?? 0) - (a.definition.revision ?? 0));
    return latest[0];
  }

  private addService(color: Color, taskDefinition: string, desiredCount: number, createdAt: Date): void {
    const service: FakeService = {
      name: MOCK_AWS.services[color],
      targetGroupArn: MOCK_AWS.targetGroups[color],
      taskDefinition,
      desiredCount,
      runningCount: desiredCount,
      deploymentId: `ecs-svc/${String(4_700_000_000_000_000_000n + BigInt(++this.sequence))}`,
      deploymentCreatedAt: createdAt,
      createdAt,
      updatedAt: createdAt,
      tasks: [],
    };
    this.services.set(service.name, service);
    this.reconcileTasks(service, createdAt);
  }

  /**
   * Starts or stops tasks until the desired count runs on the service's task definition, as the
   * ECS scheduler would (at once here): tasks of another revision are replaced, extra ones scaled in.
   */
  private reconcileTasks(service: FakeService, at: Date): void {
    const running = () => service.tasks.filter((t) => !t.stoppedAt);
    for (const task of running()) {
      const replaced = task.taskDefinition !== service.taskDefinition;
      const extra = !replaced && running().length > service.desiredCount;
      if (replaced || extra) {
        task.stoppedAt = at;
        task.stoppedReason = `Scaling activity initiated by (deployment ${service.deploymentId})`;
      }
    }
    while (running().length < service.desiredCount) {
      const id = randomUUID().replace(/-/g, '');
      service.tasks.push({
        arn: `${ECS}:task/${MOCK_AWS.cluster}/${id}`,
        taskDefinition: service.taskDefinition,
        startedBy: service.deploymentId,
        startedAt: at,
      });
    }
  }

  private taskView(service: FakeService, task: FakeTask): Task {
    const stopped = task.stoppedAt !== undefined;
    const containers = [MOCK_AWS.container.name, 'log-router'].map((name) => ({
      containerArn: `${ECS}:container/${MOCK_AWS.cluster}/${task.arn.split('/').pop()}/${randomUUID()}`,
      taskArn: task.arn,
      name,
      lastStatus: stopped ? 'STOPPED' : 'RUNNING',
      // What a container that handles SIGTERM reports when a scale-in stops it.
      ...(stopped ? { exitCode: 0 } : {}),
      healthStatus: 'UNKNOWN' as const,
    }));
    return {
      taskArn: task.arn,
      clusterArn: `${ECS}:cluster/${MOCK_AWS.cluster}`,
      taskDefinitionArn: task.taskDefinition,
      group: `service:${service.name}`,
      startedBy: task.startedBy,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      cpu: '512',
      memory: '1024',
      availabilityZone: `${MOCK_REGION}a`,
      lastStatus: stopped ? 'STOPPED' : 'RUNNING',
      desiredStatus: stopped ? 'STOPPED' : 'RUNNING',
      healthStatus: 'UNKNOWN',
      createdAt: task.startedAt,
      pullStartedAt: task.startedAt,
      pullStoppedAt: task.startedAt,
      startedAt: task.startedAt,
      containers,
      ...(stopped
        ? {
            stopCode: 'ServiceSchedulerInitiated',
            stoppedReason: task.stoppedReason,
            stoppingAt: task.stoppedAt,
            executionStoppedAt: task.stoppedAt,
            stoppedAt: task.stoppedAt,
          }
        : {}),
    };
  }

  private listTasks(input: ListTasksCommandInput): ListTasksCommandOutput {
    this.checkCluster(input.cluster);
    const maxResults = input.maxResults ?? MAX_TASKS_PER_CALL;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_TASKS_PER_CALL) {
      throw new InvalidParameterException({ message: 'maxResults must be from 1 to 100.', ...CLIENT_ERROR });
    }
    let services = [...this.services.values()];
    if (input.serviceName !== undefined) {
      const found = this.findService(input.serviceName);
      if (!found) throw new ServiceNotFoundException({ message: 'Service not found.', ...CLIENT_ERROR });
      services = [found];
    }
    const wantStopped = input.desiredStatus === 'STOPPED';
    const now = this.now();
    const arns = services.flatMap((service) =>
      service.tasks
        .filter((t) =>
          wantStopped
            ? t.stoppedAt !== undefined && now - t.stoppedAt.getTime() <= STOPPED_TASKS_VISIBLE_MS
            : t.stoppedAt === undefined,
        )
        .map((t) => t.arn),
    );
    // The token is an offset here; ECS's is opaque, and callers only pass it back.
    const offset = input.nextToken ? Number(Buffer.from(input.nextToken, 'base64').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) {
      throw new InvalidParameterException({ message: 'Invalid nextToken.', ...CLIENT_ERROR });
    }
    const page = arns.slice(offset, offset + maxResults);
    const next = offset + maxResults;
    return {
      taskArns: page,
      ...(next < arns.length ? { nextToken: Buffer.from(String(next)).toString('base64') } : {}),
      ...OK(),
    };
  }

  private describeTasks(input: DescribeTasksCommandInput): DescribeTasksCommandOutput {
    this.checkCluster(input.cluster);
    const refs = input.tasks ?? [];
    if (refs.length === 0 || refs.length > MAX_TASKS_PER_CALL) {
      throw new InvalidParameterException({
        message: 'Tasks cannot be empty or hold more than 100 tasks.',
        ...CLIENT_ERROR,
      });
    }
    const tasks: Task[] = [];
    const failures: NonNullable<DescribeTasksCommandOutput['failures']> = [];
    for (const ref of refs) {
      const id = ref.split('/').pop();
      const owner = [...this.services.values()].find((s) => s.tasks.some((t) => t.arn.endsWith(`/${id}`)));
      const task = owner?.tasks.find((t) => t.arn.endsWith(`/${id}`));
      if (owner && task) tasks.push(this.taskView(owner, task));
      else failures.push({ arn: ref, reason: 'MISSING' });
    }
    return { tasks, failures, ...OK() };
  }

  private checkCluster(cluster: string | undefined): void {
    const name = cluster ?? 'default';
    if (name !== MOCK_AWS.cluster && name !== `${ECS}:cluster/${MOCK_AWS.cluster}`) {
      throw new ClusterNotFoundException({ message: 'Cluster not found.', ...CLIENT_ERROR });
    }
  }

  private findService(ref: string): FakeService | undefined {
    const name = ref.startsWith('arn:') ? ref.split('/').pop()! : ref;
    return this.services.get(name);
  }

  private serviceView(s: FakeService): Service {
    const clusterArn = `${ECS}:cluster/${MOCK_AWS.cluster}`;
    return {
      serviceArn: `${ECS}:service/${MOCK_AWS.cluster}/${s.name}`,
      serviceName: s.name,
      clusterArn,
      loadBalancers: [
        {
          targetGroupArn: s.targetGroupArn,
          containerName: MOCK_AWS.container.name,
          containerPort: MOCK_AWS.container.port,
        },
      ],
      serviceRegistries: [],
      status: 'ACTIVE',
      desiredCount: s.desiredCount,
      runningCount: s.runningCount,
      pendingCount: 0,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      platformFamily: 'Linux',
      taskDefinition: s.taskDefinition,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: false },
        maximumPercent: 200,
        minimumHealthyPercent: 100,
      },
      deployments: [
        {
          id: s.deploymentId,
          status: 'PRIMARY',
          taskDefinition: s.taskDefinition,
          desiredCount: s.desiredCount,
          pendingCount: 0,
          runningCount: s.runningCount,
          failedTasks: 0,
          createdAt: s.deploymentCreatedAt,
          updatedAt: s.updatedAt,
          launchType: 'FARGATE',
          platformVersion: '1.4.0',
          platformFamily: 'Linux',
          rolloutState: 'COMPLETED',
          rolloutStateReason: `ECS deployment ${s.deploymentId} completed.`,
        },
      ],
      roleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
      events: [],
      createdAt: s.createdAt,
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
      enableECSManagedTags: true,
      propagateTags: 'NONE',
      enableExecuteCommand: false,
    };
  }

  private describeServices(input: DescribeServicesCommandInput): DescribeServicesCommandOutput {
    this.checkCluster(input.cluster);
    const services: Service[] = [];
    const failures: NonNullable<DescribeServicesCommandOutput['failures']> = [];
    for (const ref of input.services ?? []) {
      const found = this.findService(ref);
      if (found) services.push(this.serviceView(found));
      else failures.push({ arn: `${ECS}:service/${MOCK_AWS.cluster}/${ref}`, reason: 'MISSING' });
    }
    return { services, failures, ...OK() };
  }

  private updateService(input: UpdateServiceCommandInput): UpdateServiceCommandOutput {
    this.checkCluster(input.cluster);
    const service = this.findService(input.service ?? '');
    if (!service) throw new ServiceNotFoundException({ message: 'Service not found.', ...CLIENT_ERROR });
    const now = new Date(this.now());
    if (input.taskDefinition !== undefined) {
      const found = this.resolveTaskDefinition(input.taskDefinition);
      if (!found || found.definition.status !== 'ACTIVE') {
        throw new ClientException({ message: 'TaskDefinition not found.', ...CLIENT_ERROR });
      }
      const arn = found.definition.taskDefinitionArn!;
      if (arn !== service.taskDefinition) {
        service.taskDefinition = arn;
        service.deploymentId = `ecs-svc/${String(4_700_000_000_000_000_000n + BigInt(++this.sequence))}`;
        service.deploymentCreatedAt = now;
      }
    }
    if (input.desiredCount !== undefined) {
      if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0) {
        throw new InvalidParameterException({
          message: 'desiredCount must be a non-negative integer.',
          ...CLIENT_ERROR,
        });
      }
      service.desiredCount = input.desiredCount;
    }
    // Tasks start (and stop) at once: the service is steady right after the update.
    this.reconcileTasks(service, now);
    service.runningCount = service.desiredCount;
    service.updatedAt = now;
    return { service: this.serviceView(service), ...OK() };
  }

  private describeTaskDefinition(
    input: DescribeTaskDefinitionCommandInput,
  ): DescribeTaskDefinitionCommandOutput {
    const found = this.resolveTaskDefinition(input.taskDefinition ?? '');
    if (!found)
      throw new ClientException({ message: 'Unable to describe task definition.', ...CLIENT_ERROR });
    return {
      taskDefinition: structuredClone(found.definition),
      ...(input.include?.includes('TAGS') ? { tags: structuredClone(found.tags) } : {}),
      ...OK(),
    };
  }

  private registerTaskDefinition(
    input: RegisterTaskDefinitionCommandInput,
  ): RegisterTaskDefinitionCommandOutput {
    if (!input.family || !/^[A-Za-z0-9_-]{1,255}$/.test(input.family)) {
      throw new ClientException({ message: 'Family contains invalid characters.', ...CLIENT_ERROR });
    }
    if (!input.containerDefinitions?.length || input.containerDefinitions.some((c) => !c.name || !c.image)) {
      throw new ClientException({
        message: 'Container definitions need a name and an image.',
        ...CLIENT_ERROR,
      });
    }
    const reserved = (input.tags ?? []).find((t) => (t.key ?? '').toLowerCase().startsWith('aws:'));
    if (reserved) {
      throw new InvalidParameterException({
        message: `Tag keys beginning with 'aws:' are reserved: ${reserved.key}`,
        ...CLIENT_ERROR,
      });
    }
    const entry = this.register(input, input.tags ?? []);
    return {
      taskDefinition: structuredClone(entry.definition),
      ...(entry.tags.length > 0 ? { tags: structuredClone(entry.tags) } : {}),
      ...OK(),
    };
  }

  // ---- ELBv2 ----

  private listenerView(): Listener {
    return {
      ListenerArn: MOCK_AWS.listenerArn,
      LoadBalancerArn: MOCK_AWS.loadBalancerArn,
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [
        {
          CertificateArn: `arn:aws:acm:${MOCK_REGION}:${MOCK_ACCOUNT}:certificate/5c4b1ac4-7f0e-4a51-9f1b-0d8e4a4d2f11`,
        },
      ],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      DefaultActions: structuredClone(this.defaultActions),
    };
  }

  private describeListeners(input: DescribeListenersCommandInput): DescribeListenersCommandOutput {
    if (input.LoadBalancerArn !== undefined && input.LoadBalancerArn !== MOCK_AWS.loadBalancerArn) {
      throw new ElasticLoadBalancingV2ServiceException({
        name: 'LoadBalancerNotFound',
        $fault: 'client',
        message: 'One or more load balancers not found',
        ...CLIENT_ERROR,
      });
    }
    const unknown = (input.ListenerArns ?? []).find((arn) => arn !== MOCK_AWS.listenerArn);
    if (unknown)
      throw new ListenerNotFoundException({ message: 'One or more listeners not found', ...CLIENT_ERROR });
    return { Listeners: [this.listenerView()], ...OK() };
  }

  private modifyListener(input: ModifyListenerCommandInput): ModifyListenerCommandOutput {
    if (input.ListenerArn !== MOCK_AWS.listenerArn) {
      throw new ListenerNotFoundException({ message: 'One or more listeners not found', ...CLIENT_ERROR });
    }
    if (input.DefaultActions) {
      const actions = input.DefaultActions.map((action) => validateAction(action));
      this.defaultActions = actions;
      this.timeline.push({ at: this.now(), weights: forwardWeights(actions) });
    }
    return { Listeners: [this.listenerView()], ...OK() };
  }

  private targetGroupView(arn: string): TargetGroup {
    const name = arn.split('/')[1]!;
    return {
      TargetGroupArn: arn,
      TargetGroupName: name,
      Protocol: 'HTTP',
      Port: MOCK_AWS.container.port,
      VpcId: 'vpc-0a1b2c3d4e5f67890',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: 'traffic-port',
      HealthCheckEnabled: true,
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      HealthCheckPath: '/health',
      Matcher: { HttpCode: '200' },
      LoadBalancerArns: [MOCK_AWS.loadBalancerArn],
      TargetType: 'ip',
      ProtocolVersion: 'HTTP1',
      IpAddressType: 'ipv4',
    };
  }

  private knownTargetGroup(arn: string | undefined): string {
    if (!arn || !Object.values(MOCK_AWS.targetGroups).includes(arn)) {
      throw new TargetGroupNotFoundException({
        message: 'One or more target groups not found',
        ...CLIENT_ERROR,
      });
    }
    return arn;
  }

  private describeTargetGroups(input: DescribeTargetGroupsCommandInput): DescribeTargetGroupsCommandOutput {
    const arns = input.TargetGroupArns ?? Object.values(MOCK_AWS.targetGroups);
    return { TargetGroups: arns.map((arn) => this.targetGroupView(this.knownTargetGroup(arn))), ...OK() };
  }

  private describeTargetHealth(input: DescribeTargetHealthCommandInput): DescribeTargetHealthCommandOutput {
    const arn = this.knownTargetGroup(input.TargetGroupArn);
    const service = [...this.services.values()].find((s) => s.targetGroupArn === arn);
    const color = Object.values(MOCK_AWS.targetGroups).indexOf(arn);
    const count = service?.runningCount ?? 0;
    return {
      TargetHealthDescriptions: Array.from({ length: count }, (_, i) => ({
        Target: {
          Id: `10.0.${10 + color * 10 + (i % 3)}.${20 + i}`,
          Port: MOCK_AWS.container.port,
          AvailabilityZone: `${MOCK_REGION}${'abc'[i % 3]}`,
        },
        HealthCheckPort: String(MOCK_AWS.container.port),
        TargetHealth: { State: 'healthy' },
      })),
      ...OK(),
    };
  }

  // ---- CloudWatch ----

  /** Requests and 5xx responses of a target group over [from, to), up to what is published now. */
  private traffic(targetGroupArn: string, from: number, to: number): { requests: number; errors: number } {
    const published = Math.floor((this.now() - this.publishDelayMs) / 60_000) * 60_000;
    const end = Math.min(to, published);
    let requests = 0;
    this.timeline.forEach((segment, i) => {
      const next = this.timeline[i + 1]?.at ?? Infinity;
      const overlap = Math.min(next, end) - Math.max(segment.at, from);
      if (overlap <= 0) return;
      const total = [...segment.weights.values()].reduce((a, b) => a + b, 0);
      const share = total === 0 ? 0 : (segment.weights.get(targetGroupArn) ?? 0) / total;
      requests += (overlap / 1000) * this.requestsPerSecond * share;
    });
    requests = Math.round(requests);
    const service = [...this.services.values()].find((s) => s.targetGroupArn === targetGroupArn);
    const image = service ? this.imageOf(service.taskDefinition) : undefined;
    const rate = (image !== undefined ? this.errorRates[image] : undefined) ?? this.baselineErrorRate;
    return { requests, errors: Math.round(requests * rate) };
  }

  private getMetricData(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
    const queries = input.MetricDataQueries ?? [];
    const invalid = (message: string) => new InvalidParameterValueException({ message, ...CLIENT_ERROR });
    if (queries.length === 0 || queries.length > 500) throw invalid('MetricDataQueries: 1 to 500 queries');
    if (!input.StartTime || !input.EndTime || input.StartTime.getTime() >= input.EndTime.getTime()) {
      throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    }
    const start = input.StartTime.getTime();
    const end = input.EndTime.getTime();
    const results: MetricDataResult[] = queries.map((query) => {
      if (!query.Id || !/^[a-z][A-Za-z0-9_]*$/.test(query.Id)) {
        throw invalid(`The value ${query.Id} for parameter MetricDataQueries.member.Id is not valid.`);
      }
      const stat = query.MetricStat;
      if (!stat?.Metric) throw invalid(`mock-aws: query ${query.Id} is not a MetricStat query`);
      const period = stat.Period ?? 0;
      if (period < 60 || period % 60 !== 0) throw invalid('The parameter Period must be a multiple of 60.');
      const dimension = (name: string) => stat.Metric?.Dimensions?.find((d) => d.Name === name)?.Value;
      const targetGroupArn = Object.values(MOCK_AWS.targetGroups).find((arn) =>
        arn.endsWith(`:${dimension('TargetGroup') ?? '-'}`),
      );
      const loadBalancerMatches =
        dimension('LoadBalancer') !== undefined &&
        MOCK_AWS.loadBalancerArn.endsWith(`:loadbalancer/${dimension('LoadBalancer')}`);
      const timestamps: Date[] = [];
      const values: number[] = [];
      // A metric with other dimensions does not exist: CloudWatch answers with no data, not an error.
      const wholeLoadBalancer =
        dimension('TargetGroup') === undefined && stat.Metric.Dimensions?.length === 1;
      if (stat.Metric.Namespace === 'AWS/ApplicationELB' && wholeLoadBalancer && loadBalancerMatches) {
        // Per load balancer: every target group's requests; the mock's balancer never answers a
        // 5xx itself, so its HTTPCode_ELB_* have no data point.
        for (let at = start; at < end; at += period * 1000) {
          if (stat.Metric.MetricName !== 'RequestCount' || stat.Stat !== 'Sum') continue;
          const requests = Object.values(MOCK_AWS.targetGroups).reduce(
            (sum, arn) => sum + this.traffic(arn, at, at + period * 1000).requests,
            0,
          );
          if (requests === 0) continue;
          timestamps.push(new Date(at));
          values.push(requests);
        }
      } else if (stat.Metric.Namespace === 'AWS/ApplicationELB' && targetGroupArn && loadBalancerMatches) {
        for (let at = start; at < end; at += period * 1000) {
          const value = this.statistic(
            stat.Metric.MetricName,
            stat.Stat,
            targetGroupArn,
            at,
            at + period * 1000,
          );
          if (value === null) continue;
          timestamps.push(new Date(at));
          values.push(value);
        }
      }
      if (input.ScanBy === 'TimestampDescending') {
        timestamps.reverse();
        values.reverse();
      }
      return {
        Id: query.Id,
        Label: query.Label ?? stat.Metric.MetricName,
        Timestamps: timestamps,
        Values: values,
        StatusCode: 'Complete',
      };
    });
    return { MetricDataResults: results, Messages: [], ...OK() };
  }

  /** One data point, or null where CloudWatch has none (no requests, or a zero count). */
  private statistic(
    metric: string | undefined,
    stat: string | undefined,
    targetGroupArn: string,
    from: number,
    to: number,
  ): number | null {
    const { requests, errors } = this.traffic(targetGroupArn, from, to);
    if (requests === 0) return null;
    switch (metric) {
      case 'RequestCount':
        return stat === 'Sum' ? requests : null;
      case 'HTTPCode_Target_5XX_Count':
        return stat === 'Sum' && errors > 0 ? errors : null;
      case 'TargetConnectionErrorCount':
        return null;
      case 'TargetResponseTime': {
        if (stat === 'Average') return LATENCY_SECONDS.average;
        const p = /^p(\d+(?:\.\d+)?)$/.exec(stat ?? '');
        if (!p) return null;
        return Number(p[1]) <= 50 ? LATENCY_SECONDS.p50 : LATENCY_SECONDS.p99;
      }
      default:
        return null;
    }
  }

  private describeAlarms(input: DescribeAlarmsCommandInput): DescribeAlarmsCommandOutput {
    if ((input.AlarmNames ?? []).length > 100) {
      throw new InvalidParameterValueException({ message: 'AlarmNames: at most 100 names', ...CLIENT_ERROR });
    }
    const wantsMetricAlarms = !input.AlarmTypes || input.AlarmTypes.includes('MetricAlarm');
    const names = input.AlarmNames ?? Object.keys(this.alarms);
    const matching = names.filter(
      (name) =>
        this.alarms[name] !== undefined && (!input.StateValue || this.alarms[name] === input.StateValue),
    );
    return {
      MetricAlarms: wantsMetricAlarms
        ? matching.map((name) => ({
            AlarmName: name,
            AlarmArn: `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:alarm:${name}`,
            StateValue: this.alarms[name],
            StateReason: `Threshold Crossed: mocked state ${this.alarms[name]}`,
            StateUpdatedTimestamp: new Date(this.now()),
            Namespace: 'AWS/ApplicationELB',
            MetricName: 'HTTPCode_Target_5XX_Count',
            Statistic: 'Sum',
            Period: 60,
            EvaluationPeriods: 1,
            Threshold: 10,
            ComparisonOperator: 'GreaterThanThreshold',
            ActionsEnabled: true,
          }))
        : [],
      CompositeAlarms: [],
      ...OK(),
    };
  }

  // ---- Application Auto Scaling ----

  private checkEcsTarget(namespace: string | undefined, dimension: string | undefined): void {
    if (namespace !== 'ecs') {
      throw new AasValidationException({
        message: `Unsupported service namespace ${namespace}`,
        ...CLIENT_ERROR,
      });
    }
    if (dimension !== undefined && dimension !== 'ecs:service:DesiredCount') {
      throw new AasValidationException({
        message: `Unsupported scalable dimension ${dimension} for namespace ecs`,
        ...CLIENT_ERROR,
      });
    }
  }

  private targetView(resourceId: string): ScalableTarget {
    const t = this.scalableTargets.get(resourceId)!;
    return {
      ServiceNamespace: 'ecs',
      ResourceId: resourceId,
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: t.min,
      MaxCapacity: t.max,
      RoleARN: `arn:aws:iam::${MOCK_ACCOUNT}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      CreationTime: t.createdAt,
      SuspendedState: {
        DynamicScalingInSuspended: t.suspended.in,
        DynamicScalingOutSuspended: t.suspended.out,
        ScheduledScalingSuspended: t.suspended.scheduled,
      },
      ScalableTargetARN: t.arn,
    };
  }

  private describeScalableTargets(
    input: DescribeScalableTargetsCommandInput,
  ): DescribeScalableTargetsCommandOutput {
    this.checkEcsTarget(input.ServiceNamespace, input.ScalableDimension);
    if (input.ScalableDimension !== undefined && !input.ResourceIds?.length) {
      throw new AasValidationException({
        message: 'ResourceIds must be specified with ScalableDimension',
        ...CLIENT_ERROR,
      });
    }
    const ids = input.ResourceIds ?? [...this.scalableTargets.keys()];
    return {
      ScalableTargets: ids.filter((id) => this.scalableTargets.has(id)).map((id) => this.targetView(id)),
      ...OK(),
    };
  }

  private registerScalableTarget(
    input: RegisterScalableTargetCommandInput,
  ): RegisterScalableTargetCommandOutput {
    this.checkEcsTarget(input.ServiceNamespace, input.ScalableDimension);
    const id = input.ResourceId ?? '';
    const serviceName = /^service\/([^/]+)\/([^/]+)$/.exec(id);
    const service =
      serviceName && serviceName[1] === MOCK_AWS.cluster ? this.services.get(serviceName[2]!) : undefined;
    if (!service) {
      throw new AasValidationException({ message: `ECS service doesn't exist: ${id}`, ...CLIENT_ERROR });
    }
    const existing = this.scalableTargets.get(id);
    if (!existing && (input.MinCapacity === undefined || input.MaxCapacity === undefined)) {
      throw new AasValidationException({
        message: 'MinCapacity and MaxCapacity are required to register a new scalable target',
        ...CLIENT_ERROR,
      });
    }
    // Fields left out keep their value (a new target starts with nothing suspended).
    const target = existing ?? {
      min: 0,
      max: 0,
      suspended: { in: false, out: false, scheduled: false },
      arn: `arn:aws:application-autoscaling:${MOCK_REGION}:${MOCK_ACCOUNT}:scalable-target/${randomUUID().replace(/-/g, '')}`,
      createdAt: new Date(this.now()),
    };
    const min = input.MinCapacity ?? target.min;
    const max = input.MaxCapacity ?? target.max;
    if (min > max) {
      throw new AasValidationException({
        message: 'Minimum capacity cannot be greater than maximum capacity',
        ...CLIENT_ERROR,
      });
    }
    const s = input.SuspendedState;
    Object.assign(target, {
      min,
      max,
      suspended: {
        in: s?.DynamicScalingInSuspended ?? target.suspended.in,
        out: s?.DynamicScalingOutSuspended ?? target.suspended.out,
        scheduled: s?.ScheduledScalingSuspended ?? target.suspended.scheduled,
      },
    });
    this.scalableTargets.set(id, target);
    // Any update moves the current desired count into [min, max] at once.
    const bounded = Math.min(max, Math.max(min, service.desiredCount));
    if (bounded !== service.desiredCount) {
      const now = new Date(this.now());
      service.desiredCount = bounded;
      this.reconcileTasks(service, now);
      service.runningCount = bounded;
      service.updatedAt = now;
    }
    return { ScalableTargetARN: target.arn, ...OK() };
  }

  // ---- SNS ----

  private publish(input: PublishCommandInput): PublishCommandOutput {
    if (input.TopicArn !== MOCK_AWS.topicArn) {
      throw new SnsNotFoundException({ message: 'Topic does not exist', ...CLIENT_ERROR });
    }
    const invalid = (message: string) => new SnsInvalidParameterException({ message, ...CLIENT_ERROR });
    if (!input.Message) throw invalid('Invalid parameter: Empty message');
    if (
      input.Subject !== undefined &&
      (input.Subject.length >= 100 || !/^[\x20-\x7e]+$/.test(input.Subject))
    ) {
      throw invalid('Invalid parameter: Subject');
    }
    for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
      if (value.DataType !== 'String' || !value.StringValue) {
        throw invalid(`Invalid parameter: Message attribute ${name} must have a String value`);
      }
    }
    if (input.MessageGroupId !== undefined || input.MessageDeduplicationId !== undefined) {
      throw invalid('Invalid parameter: MessageGroupId and MessageDeduplicationId are for FIFO topics only');
    }
    this.published.push(structuredClone(input));
    return { MessageId: randomUUID(), ...OK() };
  }
}

/** Target group ARN → weight of a forward action (a lone TargetGroupArn weighs 1). */
function forwardWeights(actions: Action[]): Map<string, number> {
  const forward = actions.find((a) => a.Type === 'forward');
  const tuples =
    forward?.ForwardConfig?.TargetGroups ??
    (forward?.TargetGroupArn ? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }] : []);
  return new Map(tuples.map((t) => [t.TargetGroupArn ?? '', t.Weight ?? 1]));
}

/** Checks an action as ModifyListener does, and returns it as DescribeListeners will. */
function validateAction(action: Action): Action {
  const invalid = (message: string) =>
    new ElasticLoadBalancingV2ServiceException({
      name: 'ValidationError',
      $fault: 'client',
      message,
      ...CLIENT_ERROR,
    });
  if (!action.Type) throw invalid('An action must have a type');
  if (action.Type !== 'forward') return structuredClone(action);
  const tuples = action.ForwardConfig?.TargetGroups ?? [];
  for (const tuple of tuples) {
    if (!tuple.TargetGroupArn || !Object.values(MOCK_AWS.targetGroups).includes(tuple.TargetGroupArn)) {
      throw new TargetGroupNotFoundException({
        message: 'One or more target groups not found',
        ...CLIENT_ERROR,
      });
    }
    if (
      tuple.Weight !== undefined &&
      (!Number.isInteger(tuple.Weight) || tuple.Weight < 0 || tuple.Weight > 999)
    ) {
      throw invalid(`Target group weight ${tuple.Weight} is not in the range 0-999`);
    }
  }
  if (action.TargetGroupArn !== undefined && action.ForwardConfig !== undefined) {
    if (tuples.length !== 1 || tuples[0]?.TargetGroupArn !== action.TargetGroupArn) {
      throw invalid('You cannot specify a target group ARN that differs from the forward config');
    }
  }
  if (action.TargetGroupArn === undefined && tuples.length === 0) {
    throw invalid('A forward action needs a target group ARN or a forward config with target groups');
  }
  const stored = structuredClone(action);
  // Describe lists a single target group both ways, several only in the forward config.
  if (tuples.length === 1) stored.TargetGroupArn = tuples[0]!.TargetGroupArn;
  else if (tuples.length > 1) delete stored.TargetGroupArn;
  return stored;
}
