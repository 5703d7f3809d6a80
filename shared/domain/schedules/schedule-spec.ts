/** The schedule spec: what a user writes to run an ECS task on a schedule and watch how it ends. */
import { z } from 'zod';
import { parseInput } from '../validation';
import { atInstant, checkExpression, MAX_EXPRESSION_LENGTH } from './expression';
import { timeZoneProblem } from './zoned-time';

/** EventBridge Scheduler's schedule name: 1–64 of `[0-9a-zA-Z-_.]`. */
export const ScheduleNameSchema = z
  .string()
  .regex(/^[0-9a-zA-Z_.-]{1,64}$/, 'expected 1–64 letters, digits, - _ . (an EventBridge Scheduler name)');

/** ECS names and ARNs: printable, no spaces. */
const resourceName = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9_.:/@+=,-]+$/, 'expected a name or ARN (letters, digits and _.:/@+=,- only)');

const FAMILY = '[A-Za-z0-9_-]{1,255}';

/**
 * `family` (its latest ACTIVE revision when the run starts), `family:revision`, a task definition
 * ARN, or `{ "service": NAME }`: the revision that service of the cluster runs at that moment.
 */
const TaskDefinitionSchema = z.union([
  z
    .string()
    .regex(
      new RegExp(
        `^(?:${FAMILY}(?::[1-9]\\d{0,8})?|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:task-definition/${FAMILY}(?::[1-9]\\d{0,8})?)$`,
      ),
      'expected a family, family:revision or task definition ARN (family: up to 255 letters, digits, _ and -)',
    ),
  z.object({ service: resourceName }).strict(),
]);

const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'];

const CapacityProviderItemSchema = z
  .object({
    capacityProvider: z.string().min(1).max(255),
    /** Relative share of tasks (ECS: 0–1000). */
    weight: z.number().int().min(0).max(1000).optional(),
    /** Tasks placed on this provider first (ECS: 0–100000; one provider at most may set it). */
    base: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();

/** awsvpc networking (required on Fargate). */
const NetworkSchema = z
  .object({
    subnets: z
      .array(z.string().regex(/^subnet-[0-9a-f]{1,32}$/, 'expected a subnet id (subnet-...)'))
      .min(1)
      .max(16),
    securityGroups: z
      .array(z.string().regex(/^sg-[0-9a-f]{1,32}$/, 'expected a security group id (sg-...)'))
      .max(5)
      .default([]),
    /** A public IP on the task's network interface (Fargate only; needed in public subnets without NAT). */
    assignPublicIp: z.boolean().default(false),
  })
  .strict();

const PlacementSchema = z
  .object({
    /** ECS placement strategies, in order (at most 5). */
    strategy: z
      .array(
        z.discriminatedUnion('type', [
          z.object({ type: z.literal('random') }).strict(),
          z.object({ type: z.literal('spread'), field: z.string().min(1).max(255) }).strict(),
          z.object({ type: z.literal('binpack'), field: z.enum(['cpu', 'memory']) }).strict(),
        ]),
      )
      .max(5)
      .default([]),
    /** ECS placement constraints (at most 10). */
    constraints: z
      .array(
        z.discriminatedUnion('type', [
          z.object({ type: z.literal('distinctInstance') }).strict(),
          z.object({ type: z.literal('memberOf'), expression: z.string().min(1).max(2000) }).strict(),
        ]),
      )
      .max(10)
      .default([]),
  })
  .strict();

const containerName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,255}$/, 'expected a container name (1–255 letters, digits, _ and -)');

const ContainerOverrideSchema = z
  .object({
    name: containerName,
    command: z.array(z.string().max(8192)).min(1).max(1000).optional(),
    environment: z
      .record(z.string(), z.string().max(8192))
      .superRefine((env, ctx) => {
        for (const name of Object.keys(env)) {
          if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(name)) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'expected a variable name (letters, digits, _)',
            });
          }
        }
      })
      .optional(),
    /** CPU units (1024 = 1 vCPU). */
    cpu: z.number().int().min(0).max(196_608).optional(),
    /** Hard memory limit in MiB (ECS's least is 6). */
    memory: z.number().int().min(6).max(4_194_304).optional(),
  })
  .strict();

/** RunTask's limit on `overrides`, JSON punctuation included. */
export const MAX_OVERRIDES_CHARS = 8192;

const exitCode = z.number().int().min(0).max(255);

const backoff = (seconds: number, max: number) => ({
  /** Wait before the first retry. */
  backoffSeconds: z.number().int().min(1).max(3600).default(seconds),
  /** Each wait is the previous one times this (Step Functions' BackoffRate). */
  backoffRate: z.number().min(1).max(10).default(2),
  /** Longest wait between two attempts. */
  maxBackoffSeconds: z.number().int().min(1).max(86_400).default(max),
});

const CapacityRetrySchema = z
  .object({
    /**
     * Retries after a start that failed for lack of capacity or placement: RunTask `failures[]`
     * (RESOURCE:MEMORY, RESOURCE:CPU, AGENT, ...), Fargate "Capacity is unavailable", a task
     * stopped with TaskFailedToStart. The task never ran, so retrying is always safe.
     */
    attempts: z.number().int().min(0).max(10).default(3),
    ...backoff(30, 300),
  })
  .strict();

const ApplicationRetrySchema = z
  .object({
    /** Retries after the job ran and failed (like AWS Batch's retryStrategy). Off by default: a job may not be idempotent. */
    attempts: z.number().int().min(0).max(10).default(0),
    ...backoff(60, 900),
    /**
     * Exit codes (of a deciding container) that are retried, like Batch's `evaluateOnExit`;
     * empty: any code that is not a success.
     */
    onExitCodes: z.array(exitCode).max(50).default([]),
    /** Retry a run stopped at its run-time limit as well. */
    retryOnTimeout: z.boolean().default(false),
  })
  .strict();

const AlertsSchema = z
  .object({
    /** A run that FAILED, TIMED_OUT or FAILED_TO_START. */
    onFailure: z.boolean().default(true),
    /** The first successful run after one or more failed ones. */
    onRecovery: z.boolean().default(true),
    /** A slot that never ran (found by the reconcile) or started past its deadline. */
    onMissed: z.boolean().default(true),
    /** A run SKIPPED because the previous one was still running (overlap: forbid). */
    onSkipped: z.boolean().default(false),
    /** Every finished run, whatever its outcome. */
    onEveryRun: z.boolean().default(false),
  })
  .strict();

const ALERT_DEFAULTS = AlertsSchema.parse({});
const RETRY_DEFAULTS = {
  capacity: CapacityRetrySchema.parse({}),
  application: ApplicationRetrySchema.parse({}),
};

export const ScheduleSpecSchema = z
  .object({
    /** The schedule's name in EventBridge Scheduler, the run ledger and alerts. */
    name: ScheduleNameSchema,
    description: z.string().max(512).optional(),
    /** `cron(...)` (EventBridge's six fields), `rate(...)` or `at(...)`. */
    expression: z
      .string()
      .min(1)
      .max(MAX_EXPRESSION_LENGTH)
      .superRefine((text, ctx) => {
        const parsed = checkExpression(text);
        if (!Array.isArray(parsed)) return;
        for (const i of parsed)
          ctx.addIssue({ code: 'custom', path: i.field ? [i.field] : [], message: i.message });
      }),
    /** IANA time zone the expression is evaluated in (rate expressions ignore it). */
    timezone: z
      .string()
      .min(1)
      .max(50)
      .default('UTC')
      .superRefine((name, ctx) => {
        const problem = timeZoneProblem(name);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    /** A disabled schedule is kept but fires nothing (suspended). */
    enabled: z.boolean().default(true),
    cluster: resourceName,
    taskDefinition: TaskDefinitionSchema,
    /** Mutually exclusive with capacityProviderStrategy; with neither, the cluster's default strategy is used. */
    launchType: z.enum(['FARGATE', 'EC2']).optional(),
    capacityProviderStrategy: z.array(CapacityProviderItemSchema).min(1).max(20).optional(),
    network: NetworkSchema.optional(),
    /** EC2 only. */
    placement: PlacementSchema.optional(),
    /** Container overrides for every run. */
    overrides: z.array(ContainerOverrideSchema).max(100).default([]),
    /** Run-time limit: past it the task is stopped and the run recorded TIMED_OUT (60 s to 7 days). */
    timeoutSeconds: z.number().int().min(60).max(604_800).default(3600),
    /**
     * When the previous run is still going: `allow` starts another, `forbid` records this slot
     * SKIPPED, `replace` stops the running task and starts the new one. Default forbid: most jobs
     * are not written to run twice at once.
     */
    overlap: z.enum(['allow', 'forbid', 'replace']).default('forbid'),
    /**
     * A run that cannot start within this many seconds of its slot is recorded MISSED (60–86400,
     * the range of Scheduler's MaximumEventAgeInSeconds, which it also sets).
     */
    startingDeadlineSeconds: z.number().int().min(60).max(86_400).default(600),
    retries: z
      .object({
        capacity: CapacityRetrySchema.default(RETRY_DEFAULTS.capacity),
        application: ApplicationRetrySchema.default(RETRY_DEFAULTS.application),
      })
      .strict()
      .default(RETRY_DEFAULTS),
    /** Exit codes of a deciding container that count as success. */
    successExitCodes: z.array(exitCode).min(1).max(50).default([0]),
    /**
     * The containers whose exit decides the run; absent: the task definition's essential
     * containers, so a non-essential log sidecar stopped (137) at the end cannot fail the job.
     */
    verdictContainers: z.array(containerName).min(1).max(10).optional(),
    alerts: AlertsSchema.default(ALERT_DEFAULTS),
    /** Days each run stays in the run ledger (DynamoDB TTL). */
    historyTtlDays: z.number().int().min(1).max(3650).default(90),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });

    const expression = checkExpression(spec.expression);
    if (!Array.isArray(expression) && expression.kind === 'at' && !timeZoneProblem(spec.timezone)) {
      const instant = atInstant(expression, spec.timezone);
      if (typeof instant !== 'number') issue(['expression'], instant.message);
    }

    if (spec.launchType && spec.capacityProviderStrategy) {
      issue(['capacityProviderStrategy'], 'give launchType or capacityProviderStrategy, not both');
    }
    const strategy = spec.capacityProviderStrategy ?? [];
    const providers = strategy.map((p) => p.capacityProvider);
    providers.forEach((p, i) => {
      if (providers.indexOf(p) !== i)
        issue(['capacityProviderStrategy', i, 'capacityProvider'], `${p} is listed twice`);
    });
    const withBase = strategy.flatMap((p, i) => (p.base !== undefined && p.base > 0 ? [i] : []));
    if (withBase.length > 1) {
      issue(
        ['capacityProviderStrategy', withBase[1]!, 'base'],
        'only one capacity provider of a strategy may set a base',
      );
    }
    const fargateProviders = providers.filter((p) => FARGATE_PROVIDERS.includes(p));
    if (fargateProviders.length > 0 && fargateProviders.length < providers.length) {
      issue(
        ['capacityProviderStrategy'],
        'FARGATE / FARGATE_SPOT cannot be mixed with Auto Scaling group capacity providers in one strategy',
      );
    }
    const fargate = spec.launchType === 'FARGATE' || fargateProviders.length > 0;
    const ec2 = spec.launchType === 'EC2' || (providers.length > 0 && fargateProviders.length === 0);
    if (fargate && !spec.network) {
      issue(
        ['network'],
        'required on Fargate: tasks use awsvpc networking (give subnets, and securityGroups)',
      );
    }
    if (fargate && spec.placement) {
      issue(
        ['placement'],
        'placement strategies and constraints apply to EC2 only; Fargate places tasks itself',
      );
    }
    if (ec2 && spec.network?.assignPublicIp) {
      issue(['network', 'assignPublicIp'], 'a public IP can be assigned on Fargate only');
    }

    const names = spec.overrides.map((o) => o.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) issue(['overrides', i, 'name'], `container ${n} is overridden twice`);
    });
    const overridesChars = JSON.stringify(ecsContainerOverrides(spec.overrides)).length;
    if (overridesChars > MAX_OVERRIDES_CHARS) {
      issue(
        ['overrides'],
        `RunTask allows ${MAX_OVERRIDES_CHARS} characters of overrides (JSON included), these take ${overridesChars}`,
      );
    }
    (spec.verdictContainers ?? []).forEach((n, i, all) => {
      if (all.indexOf(n) !== i) issue(['verdictContainers', i], `${n} is listed twice`);
    });

    const codes = spec.successExitCodes;
    codes.forEach((c, i) => {
      if (codes.indexOf(c) !== i) issue(['successExitCodes', i], `${c} is listed twice`);
    });
    spec.retries.application.onExitCodes.forEach((c, i) => {
      if (codes.includes(c)) {
        issue(
          ['retries', 'application', 'onExitCodes', i],
          `${c} is a success exit code; a success is never retried`,
        );
      }
    });

    const capacityWait = totalBackoffSeconds(spec.retries.capacity);
    if (capacityWait >= spec.startingDeadlineSeconds) {
      issue(
        ['retries', 'capacity', 'attempts'],
        `the start retries wait up to ${capacityWait} s in all, past startingDeadlineSeconds (${spec.startingDeadlineSeconds} s), ` +
          'after which the run is recorded missed: fewer attempts, shorter backoff, or a later deadline',
      );
    }
  });

export type ScheduleSpec = z.output<typeof ScheduleSpecSchema>;
export type ScheduleSpecInput = z.input<typeof ScheduleSpecSchema>;
export type ContainerOverride = ScheduleSpec['overrides'][number];

/** Parses a schedule spec, or throws an InvalidInputError naming each bad field (`schedule.expression.minutes`). */
export function parseScheduleSpec(input: unknown, root = 'schedule'): ScheduleSpec {
  return parseInput(ScheduleSpecSchema, input, root);
}

/** True when the spec's runs go to Fargate (launch type or capacity providers). */
export function runsOnFargate(spec: Pick<ScheduleSpec, 'launchType' | 'capacityProviderStrategy'>): boolean {
  return (
    spec.launchType === 'FARGATE' ||
    (spec.capacityProviderStrategy ?? []).some((p) => FARGATE_PROVIDERS.includes(p.capacityProvider))
  );
}

/** The overrides in RunTask's `overrides.containerOverrides` shape. */
export function ecsContainerOverrides(overrides: ContainerOverride[]): { containerOverrides: object[] } {
  return {
    containerOverrides: overrides.map((o) => ({
      name: o.name,
      ...(o.command ? { command: o.command } : {}),
      ...(o.environment
        ? { environment: Object.entries(o.environment).map(([name, value]) => ({ name, value })) }
        : {}),
      ...(o.cpu !== undefined ? { cpu: o.cpu } : {}),
      ...(o.memory !== undefined ? { memory: o.memory } : {}),
    })),
  };
}

/** Sum of the waits between attempts of a retry policy, in seconds. */
export function totalBackoffSeconds(policy: {
  attempts: number;
  backoffSeconds: number;
  backoffRate: number;
  maxBackoffSeconds: number;
}): number {
  let total = 0;
  for (let i = 0; i < policy.attempts; i++) {
    total += Math.min(policy.backoffSeconds * policy.backoffRate ** i, policy.maxBackoffSeconds);
  }
  return Math.round(total);
}
