/**
 * Why did the task stop, how bad is it, and what should a human look at first. Pure and total:
 * any TaskStop gets a classification, unknown shapes and new stop codes included.
 */
import type { TaskContainer, TaskStop } from './task-event';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
/** `critical` is kept for crash-loop digests; a single stop is at most `high`. */
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_CATEGORIES = [
  'out-of-memory',
  'image-pull-failure',
  'resource-initialization',
  'elb-health-check',
  'container-health-check',
  'essential-container-exited',
  'failed-to-start',
  'spot-interruption',
  'termination-notice',
  'az-rebalancing',
  'task-completed',
  'user-initiated',
  'scaling-activity',
  'unknown',
] as const;
export type AlertCategory = (typeof ALERT_CATEGORIES)[number];

/**
 * Per category: words for humans, default severity, whether it is a stop nobody needs to hear
 * about (`expected`), and whether AWS's infrastructure stopped the task rather than the task
 * failing (`infrastructure`: Spot reclaims, host retirement or maintenance, AZ rebalancing). The
 * deployment gate counts infrastructure stops apart from failures (see stopCause).
 */
export const CATEGORY_INFO: Readonly<
  Record<AlertCategory, { label: string; severity: Severity; expected: boolean; infrastructure?: true }>
> = {
  'out-of-memory': { label: 'out of memory', severity: 'high', expected: false },
  'image-pull-failure': { label: 'image pull failure', severity: 'high', expected: false },
  'resource-initialization': { label: 'resource initialisation failure', severity: 'high', expected: false },
  'elb-health-check': { label: 'failed ELB health checks', severity: 'high', expected: false },
  'container-health-check': { label: 'failed container health check', severity: 'high', expected: false },
  'essential-container-exited': { label: 'essential container exited', severity: 'high', expected: false },
  'failed-to-start': { label: 'failed to start', severity: 'medium', expected: false },
  'spot-interruption': { label: 'Spot interruption', severity: 'low', expected: false, infrastructure: true },
  'termination-notice': {
    label: 'host terminated or retired',
    severity: 'low',
    expected: false,
    infrastructure: true,
  },
  // ECS starts the replacement in another AZ before stopping the task ("no action to take").
  'az-rebalancing': { label: 'AZ rebalancing', severity: 'info', expected: true, infrastructure: true },
  'task-completed': { label: 'task completed', severity: 'info', expected: true },
  'user-initiated': { label: 'stopped by a user', severity: 'info', expected: true },
  'scaling-activity': { label: 'scale-in or deployment', severity: 'info', expected: true },
  unknown: { label: 'unrecognised stop', severity: 'low', expected: false },
};

export interface Classification {
  category: AlertCategory;
  severity: Severity;
  /** Expected stops (scale-in, deployments, users, finished tasks) are not alerted by default. */
  expected: boolean;
  /** One line: what happened, in words. */
  explanation: string;
  /** One line: the first thing to check. */
  nextCheck: string;
  /** The container the stop is blamed on, when one is. */
  container?: string;
  exitCode?: number;
  /** Target group ARN named by an ELB health check stop. */
  targetGroup?: string;
  /** ECS deployment (`ecs-svc/...`) named by a scaling activity stop. */
  ecsDeployment?: string;
}

const OOM = /OutOfMemory|out of memory|OOM ?Killed|\bOOM\b/i;
const MEMORY_EVIDENCE = /memory|\bOOM/i;
const PULL = /CannotPullContainer/i;
const RESOURCE_INIT = /ResourceInitializationError/i;
const ELB = /failed ELB health checks?(?: in \(target-group ([^)\s]+)\))?/i;
const CONTAINER_HEALTH = /failed container health checks?/i;
const SCALING = /Scaling activity initiated by(?: \(deployment ([^)\s]+)\))?/i;
const ESSENTIAL_EXITED = /Essential container in task exited/i;
const MAINTENANCE =
  /maintenance|retire|underlying (?:host|instance|infrastructure)|Host EC2 .*(?:stopped|terminated)|container instance is in DRAINING state/i;
/**
 * ECS's service events say "stopped N running tasks in <AZ> due to AZ rebalancing"; the task's own
 * stoppedReason for it is not documented, so any mention of AZ (or Availability Zone) rebalancing counts.
 */
const REBALANCING = /\b(?:AZ|Availability Zone) rebalanc/i;
const CAPACITY =
  /capacity|RESOURCE:|network interface|\bENI\b|No Container Instances|insufficient|IP address|AGENT|ATTRIBUTE/i;
const RUNTIME =
  /CannotStartContainer|CannotCreateContainer|CannotInspectContainer|ContainerRuntime|InternalError/i;

/** Longest piece of an ECS reason quoted in the one-line explanation (the detail keeps it whole). */
const QUOTE_MAX = 240;

/**
 * What a stop says about the task, for the deployment gate: a `failure` of the task itself, the
 * `infrastructure` under it (Spot, host retirement, AZ rebalancing: not the release's doing), or
 * `expected` (scale-in, deployments, StopTask, a job that finished).
 */
export type StopCause = 'failure' | 'infrastructure' | 'expected';

/** The gate's reading of a classification; the alerts' `expected` flag agrees except on infrastructure stops. */
export function stopCause(classification: Pick<Classification, 'category'>): StopCause {
  const info = CATEGORY_INFO[classification.category];
  if (info.infrastructure) return 'infrastructure';
  return info.expected ? 'expected' : 'failure';
}

/** Classifies a stopped task. Never throws. */
export function classifyStop(stop: TaskStop): Classification {
  const reason = stop.stoppedReason ?? '';
  const code = stop.stopCode ?? '';
  const containers = stop.containers;
  const reasons = [reason, ...containers.map((c) => c.reason ?? '')];

  const oom =
    containers.find((c) => OOM.test(c.reason ?? '')) ??
    containers.find(
      (c) => c.exitCode === 137 && (MEMORY_EVIDENCE.test(c.reason ?? '') || MEMORY_EVIDENCE.test(reason)),
    );
  if (oom || OOM.test(reason)) return outOfMemory(oom, reason);

  const pullText = reasons.find((r) => PULL.test(r));
  if (pullText !== undefined) {
    const container = containers.find((c) => PULL.test(c.reason ?? ''));
    return make('image-pull-failure', {
      explanation: `ECS could not pull the image${container?.image ? ` ${container.image}` : ''}${forContainer(container)}: ${quote(pullText)}`,
      nextCheck: pullNextCheck(pullText),
      ...blame(container),
    });
  }

  const initText = reasons.find((r) => RESOURCE_INIT.test(r));
  if (initText !== undefined) {
    return make('resource-initialization', {
      explanation: `ECS could not prepare the task before starting it: ${quote(initText)}`,
      nextCheck: resourceInitNextCheck(initText),
    });
  }

  const elb = ELB.exec(reason);
  if (elb) {
    const targetGroup = elb[1];
    const name = targetGroup ? (/targetgroup\/([^/]+)/.exec(targetGroup)?.[1] ?? targetGroup) : undefined;
    return make('elb-health-check', {
      explanation: `The load balancer marked the task unhealthy${name ? ` in target group ${name}` : ''} and ECS replaced it.`,
      nextCheck:
        "Compare the target group's health check (path, port, success codes, timeout) with what the app serves, check the service's health check grace period covers startup, and read the app's logs around the stop.",
      ...(targetGroup ? { targetGroup } : {}),
    });
  }

  const unhealthy = containers.find((c) => c.healthStatus === 'UNHEALTHY');
  if (CONTAINER_HEALTH.test(reason)) {
    return make('container-health-check', {
      explanation: `The container health check${unhealthy ? ` of ${unhealthy.name}` : ''} failed and ECS stopped the task.`,
      nextCheck:
        "Run the task definition's healthCheck command inside the image by hand, check its interval, retries and startPeriod against the app's startup time, and read the container's logs.",
      ...blame(unhealthy),
    });
  }

  switch (code) {
    case 'SpotInterruption':
      return make('spot-interruption', {
        explanation: `Spot capacity was reclaimed and the task was interrupted${stop.capacityProviderName ? ` (capacity provider ${stop.capacityProviderName})` : ''}.`,
        nextCheck:
          'Nothing unless it repeats: if interruptions hurt, keep an on-demand base (FARGATE or an on-demand capacity provider) in the service capacity provider strategy.',
      });
    case 'TerminationNotice':
      return terminated(reason);
    case 'InfrastructureHealth':
      // Newer stop code (ECS Managed Instances): the infrastructure under the task was unhealthy.
      return terminated(reason || 'ECS stopped the task because the infrastructure under it was unhealthy');
    case 'TaskFailedToStart':
      return failedToStart(reason, containers);
    case 'UserInitiated':
      return make('user-initiated', {
        explanation: `Stopped on request (StopTask, console or a tool)${reason ? `: ${quote(reason)}` : '.'}`,
        nextCheck: "Nothing, unless nobody meant to: CloudTrail's StopTask events name the caller.",
      });
    case 'EssentialContainerExited':
      return exited(stop, containers);
    case 'ServiceSchedulerInitiated':
      return schedulerStop(stop, reason, unhealthy);
    case '':
      // Older or hand-made events: fall back on the stopped reason.
      if (ESSENTIAL_EXITED.test(reason)) return exited(stop, containers);
      if (SCALING.test(reason)) return scaling(reason);
      if (REBALANCING.test(reason)) return rebalancing(reason);
      if (MAINTENANCE.test(reason)) return terminated(reason);
      return unknown(stop);
    default:
      return unknown(stop);
  }
}

function make(
  category: AlertCategory,
  fields: Omit<Classification, 'category' | 'severity' | 'expected'> & { severity?: Severity },
): Classification {
  const info = CATEGORY_INFO[category];
  return { category, severity: info.severity, expected: info.expected, ...fields };
}

function blame(container: TaskContainer | undefined): Pick<Classification, 'container' | 'exitCode'> {
  if (!container) return {};
  return {
    container: container.name,
    ...(container.exitCode === undefined ? {} : { exitCode: container.exitCode }),
  };
}

function outOfMemory(container: TaskContainer | undefined, reason: string): Classification {
  const evidence = container?.reason ?? reason;
  const exit = container?.exitCode === undefined ? '' : `, exit ${container.exitCode}`;
  return make('out-of-memory', {
    explanation: `${container ? `Container ${container.name}` : 'The task'} ran out of memory${exit}: ${quote(evidence)}`,
    nextCheck:
      "Compare the container's memory limit (task definition memory / memoryReservation) with its peak in Container Insights (MemoryUtilized); look for a leak or a load spike, or raise the limit.",
    ...blame(container),
  });
}

function pullNextCheck(text: string): string {
  if (/not found|manifest unknown|does not exist/i.test(text)) {
    return 'Check that the image tag or digest exists in the repository (a typo, or a tag pushed after the deploy started).';
  }
  if (/denied|unauthori[sz]ed|forbidden|AccessDenied/i.test(text)) {
    return 'Check the task execution role can pull (ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer) and, for private registries, its repositoryCredentials secret.';
  }
  if (/timeout|i\/o timeout|dial tcp|context deadline|connection/i.test(text)) {
    return "Check the task's subnets reach the registry: a NAT gateway or public IP, or VPC endpoints for ECR (api, dkr) and S3, and security groups allowing HTTPS out.";
  }
  return 'Check the image reference, that the execution role may pull it, and that the subnets reach the registry (NAT or ECR VPC endpoints).';
}

function resourceInitNextCheck(text: string): string {
  if (/secret|ssm|parameter|asm|kms/i.test(text)) {
    return 'Check the execution role may read every referenced secret (secretsmanager:GetSecretValue, ssm:GetParameters, kms:Decrypt), that the ARNs exist in this region, and that the subnets reach Secrets Manager / SSM (NAT or VPC endpoints).';
  }
  if (/efs|mount|nfs/i.test(text)) {
    return "Check the EFS file system has a mount target in the task's AZ and its security group allows NFS (2049) from the task.";
  }
  if (/registry auth|ecr/i.test(text)) {
    return 'Check the execution role and network access to the registry (ECR VPC endpoints or NAT).';
  }
  return "Check the task execution role's permissions and the subnets' routes to the AWS services the task needs at startup.";
}

function terminated(reason: string): Classification {
  return make('termination-notice', {
    explanation: `The host under the task was terminated, retired or put under maintenance${reason ? `: ${quote(reason)}` : '.'}`,
    nextCheck:
      'Check the service got its tasks back elsewhere; if it repeats, look at Auto Scaling scale-in, instance retirement notices, or AWS Health events for the account.',
  });
}

function failedToStart(reason: string, containers: TaskContainer[]): Classification {
  const quoted = reason || containers.map((c) => c.reason).find(Boolean) || '';
  let nextCheck =
    "Read the stopped reason in full (detail.stoppedReason) and the ECS service events for the task's service.";
  if (CAPACITY.test(quoted)) {
    nextCheck =
      "Check capacity: cluster or capacity provider room (CPU, memory, ports), free IP addresses in the task's subnets, ENI limits, and Fargate availability in the AZ.";
  } else if (RUNTIME.test(quoted)) {
    nextCheck =
      "Check the container's command, entryPoint, user and mounts in the task definition, and the agent/platform version.";
  }
  return make('failed-to-start', {
    explanation: `The task failed to start${quoted ? `: ${quote(quoted)}` : ' (ECS gave no reason).'}`,
    nextCheck,
  });
}

/** Exit codes a container commonly ends with, in words. */
export function exitCodeMeaning(code: number): string {
  const known: Record<number, string> = {
    0: 'success',
    1: 'application error',
    2: 'misuse of a shell builtin or bad arguments',
    126: 'command found but not executable',
    127: 'command not found',
    134: 'aborted (SIGABRT)',
    137: 'killed (SIGKILL)',
    139: 'segmentation fault (SIGSEGV)',
    143: 'terminated (SIGTERM)',
    255: 'exit status out of range',
  };
  const meaning = known[code];
  if (meaning) return meaning;
  if (code > 128 && code < 160) return `killed by signal ${code - 128}`;
  return 'application-defined';
}

function exited(stop: TaskStop, containers: TaskContainer[]): Classification {
  const withCode = containers.filter((c) => c.exitCode !== undefined);
  // SIGTERM (143) is what the other containers get once the culprit has ended the task.
  const culprit = withCode.find((c) => c.exitCode !== 0 && c.exitCode !== 143);
  const zero = withCode.find((c) => c.exitCode === 0);
  const blamed = culprit ?? (zero ? undefined : withCode[0]);
  if (blamed && blamed.exitCode !== undefined) {
    const code = blamed.exitCode;
    const sigkill =
      code === 137
        ? ' It was not reported as out of memory: a stop timeout or the kernel may have killed it.'
        : '';
    return make('essential-container-exited', {
      explanation: `Essential container ${blamed.name} exited with code ${code} (${exitCodeMeaning(code)})${blamed.reason ? `: ${quote(blamed.reason)}` : '.'}${sigkill}`,
      nextCheck:
        code === 126 || code === 127
          ? "Check the container's command / entryPoint and that the binary exists in the image."
          : "Read the container's last log lines before the exit; compare with the previous task definition revision if this started after a deploy.",
      ...blame(blamed),
    });
  }
  if (zero && stop.service === undefined) {
    return make('task-completed', {
      explanation: `The task ran to completion: container ${zero.name} exited with code 0.`,
      nextCheck: 'Nothing.',
      ...blame(zero),
    });
  }
  if (zero) {
    return make('essential-container-exited', {
      severity: 'medium',
      explanation: `Essential container ${zero.name} of service ${stop.service} exited with code 0: a service's containers are expected to keep running.`,
      nextCheck:
        "Check the container's command does not finish (a one-shot script, a daemon that forks into the background).",
      ...blame(zero),
    });
  }
  return make('essential-container-exited', {
    explanation: 'An essential container exited (the event reports no exit code).',
    nextCheck: "Read the containers' logs and the stopped reason in the ECS console.",
  });
}

function rebalancing(reason: string): Classification {
  return make('az-rebalancing', {
    explanation: `Stopped by the service scheduler to rebalance the service across Availability Zones: ${quote(reason)}`,
    nextCheck:
      "Nothing: ECS started a replacement in another Availability Zone first. If it repeats, check the service's subnets have capacity in every AZ.",
  });
}

function scaling(reason: string): Classification {
  const deployment = SCALING.exec(reason)?.[1];
  return make('scaling-activity', {
    explanation: `Stopped by the service scheduler during a deployment or scale-in${deployment ? ` (deployment ${deployment})` : ''}.`,
    nextCheck: 'Nothing: the service replaced or removed the task on purpose.',
    ...(deployment ? { ecsDeployment: deployment } : {}),
  });
}

function schedulerStop(stop: TaskStop, reason: string, unhealthy: TaskContainer | undefined): Classification {
  if (SCALING.test(reason)) return scaling(reason);
  if (REBALANCING.test(reason)) return rebalancing(reason);
  if (MAINTENANCE.test(reason)) return terminated(reason);
  if (unhealthy) {
    return make('container-health-check', {
      explanation: `The service scheduler stopped the task while container ${unhealthy.name} was UNHEALTHY${reason ? `: ${quote(reason)}` : '.'}`,
      nextCheck:
        "Run the task definition's healthCheck command inside the image by hand and read the container's logs.",
      ...blame(unhealthy),
    });
  }
  return unknown(stop);
}

function unknown(stop: TaskStop): Classification {
  const code = stop.stopCode ? `stop code ${stop.stopCode}` : 'no stop code';
  return make('unknown', {
    explanation: `ECS stopped the task (${code})${stop.stoppedReason ? `: ${quote(stop.stoppedReason)}` : ', without a reason.'}`,
    nextCheck:
      "Read the stopped reason and the service's events in the ECS console; Greenlight does not recognise this stop yet.",
  });
}

function forContainer(container: TaskContainer | undefined): string {
  return container ? ` for container ${container.name}` : '';
}

/** An ECS reason on one line, cut to QUOTE_MAX characters. */
function quote(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= QUOTE_MAX ? line : `${line.slice(0, QUOTE_MAX - 1).trimEnd()}…`;
}
