/** The production adapters of the hook functions, each built on first use at cold start. */
import {
  cloudWatchClient,
  codeDeployClient,
  dynamoDocumentClient,
  ecsClient,
  elbv2Client,
  sfnClient,
  snsClient,
} from '../../shared/aws/clients';
import { DynamoStore } from '../../shared/aws/dynamo-store';
import { SnsNotifier } from '../../shared/aws/sns-notifier';
import type { HookHistoryDeps } from './hook-history';
import { CodeDeployHookService } from '../../shared/aws/codedeploy-hooks';
import { SfnExecutions } from '../../shared/aws/sfn-executions';
import type { Parsed } from '../../shared/domain/hooks/ecs-hook-event';
import type { Executions } from '../../shared/ports/executions';
import { CloudWatchAlarms } from '../../shared/aws/cloudwatch-alarms';
import { CloudWatchMetrics } from '../../shared/aws/cloudwatch-metrics';
import { AlbRouter } from '../../shared/aws/alb-router';
import { EcsBlueGreenService } from '../../shared/aws/ecs-blue-green';
import { EcsNewTaskStops } from '../../shared/aws/ecs-new-task-stops';
import { HttpProbe } from '../../shared/aws/http-probe';
import { createLogger } from '../../shared/lambda';
import { systemClock } from '../../shared/ports/clock';

export const clock = systemClock;

export function logger() {
  return createLogger();
}

export function blueGreen() {
  return new EcsBlueGreenService({ ecs: ecsClient(), elbv2: elbv2Client() });
}

/** The new revision's (ECS hook) or replacement task set's (gate watch) stopped tasks. */
export function taskStops() {
  return new EcsNewTaskStops({ client: ecsClient() });
}

export function metrics() {
  return new CloudWatchMetrics({ client: cloudWatchClient(), elbv2: elbv2Client() });
}

export function alarms() {
  return new CloudWatchAlarms({ client: cloudWatchClient() });
}

export function router() {
  return new AlbRouter({ client: elbv2Client() });
}

/** Plain HTTP from the function: reaching an internal test listener needs the function in the VPC. */
export function probe() {
  return new HttpProbe();
}

export function codeDeployHooks() {
  return new CodeDeployHookService({ codeDeploy: codeDeployClient(), elbv2: elbv2Client() });
}

/** Executions of the gate-watch machine; a missing ARN fails each start (the hook then answers Failed). */
export function gateWatches(arn: Parsed<string>): Pick<Executions, 'start'> {
  if (!arn.ok) {
    return {
      start: () => Promise.reject(new Error(arn.reason)),
    };
  }
  return new SfnExecutions({ client: sfnClient(), stateMachineArn: arn.value });
}

/**
 * Greenlight's store and notifier for the hooks' history, or null when TABLE_NAME or TOPIC_ARN is
 * missing: the hook then still answers, and says once why it records nothing.
 */
export function history(env: NodeJS.ProcessEnv = process.env): HookHistoryDeps | null {
  const tableName = env.TABLE_NAME;
  const topicArn = env.TOPIC_ARN;
  if (!tableName || !topicArn) {
    createLogger().warn('hook history: TABLE_NAME and TOPIC_ARN are required; nothing is recorded');
    return null;
  }
  return {
    store: new DynamoStore({ client: dynamoDocumentClient(), tableName }),
    notifier: new SnsNotifier({ client: snsClient(), topicArn }),
  };
}
