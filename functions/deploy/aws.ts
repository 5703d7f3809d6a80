/**
 * The production adapters of the blue/green steps, each built on first use. Every step has its own
 * entry file in `lambda/` that asks only for the adapters it calls, so its bundle carries only
 * those SDK clients (smaller bundles, faster cold starts).
 */
import { AlbRouter } from '../../shared/aws/alb-router';
import { AppAutoScaling } from '../../shared/aws/app-autoscaling';
import { CloudWatchAlarms } from '../../shared/aws/cloudwatch-alarms';
import { CodeDeployDeployments } from '../../shared/aws/codedeploy-deployments';
import { EcsNativeDeployments } from '../../shared/aws/ecs-native-deployments';
import {
  appAutoScalingClient,
  cloudWatchClient,
  codeDeployClient,
  dynamoDocumentClient,
  ecsClient,
  elbv2Client,
  lambdaClient,
  snsClient,
} from '../../shared/aws/clients';
import { CloudWatchMetrics } from '../../shared/aws/cloudwatch-metrics';
import { CloudWatchQueryMetrics } from '../../shared/aws/cloudwatch-query-metrics';
import { MetricsBySource } from '../../shared/aws/metrics-by-source';
import { PrometheusMetrics } from '../../shared/aws/prometheus-metrics';
import { DynamoStore } from '../../shared/aws/dynamo-store';
import { EcsFleet } from '../../shared/aws/ecs-fleet';
import { HttpProbe } from '../../shared/aws/http-probe';
import { SnsNotifier } from '../../shared/aws/sns-notifier';
import { LambdaUserHooks } from '../../shared/aws/lambda-user-hooks';
import { UserHooksByTarget } from '../../shared/aws/user-hooks-by-target';
import { WebhookUserHooks } from '../../shared/aws/webhook-user-hooks';
import { deployEnv } from '../../shared/config/env';
import { createLogger } from '../../shared/lambda';
import { systemClock } from '../../shared/ports/clock';

export const clock = systemClock;

export function logger() {
  return createLogger();
}

export function alarms() {
  return new CloudWatchAlarms({ client: cloudWatchClient() });
}

export function fleet() {
  return new EcsFleet({ client: ecsClient() });
}

export function router() {
  return new AlbRouter({ client: elbv2Client() });
}

export function scaling() {
  return new AppAutoScaling({ client: appAutoScalingClient() });
}

/** Each spec's own metric source (gate.metrics): ALB metrics, the user's CloudWatch queries, or PromQL. */
export function metrics() {
  return new MetricsBySource({
    alb: new CloudWatchMetrics({ client: cloudWatchClient(), elbv2: elbv2Client() }),
    cloudwatch: new CloudWatchQueryMetrics({ client: cloudWatchClient() }),
    // A Prometheus inside the VPC needs the function attached to it (as probes do).
    prometheus: new PrometheusMetrics(),
  });
}

/** Plain HTTP from the function: reaching an internal test listener needs the function in the VPC. */
export function probe() {
  return new HttpProbe();
}

export function store() {
  return new DynamoStore({ client: dynamoDocumentClient(), tableName: deployEnv().TABLE_NAME });
}

export function notifier() {
  return new SnsNotifier({ client: snsClient(), topicArn: deployEnv().TOPIC_ARN });
}

/** The spec's user hooks: functions through Lambda Invoke, webhooks over https only. */
export function userHooks() {
  return new UserHooksByTarget({
    lambda: new LambdaUserHooks({ client: lambdaClient() }),
    webhook: new WebhookUserHooks(),
  });
}

/**
 * The external controllers a spec may name (spec.controller codedeploy | ecs). Only a start
 * updates the ECS service, so only StartExternal names the other hooks' roles it may pass.
 */
export function controllers(options: { ecsOtherHookRolePattern?: string } = {}) {
  return {
    codedeploy: new CodeDeployDeployments({ codedeploy: codeDeployClient(), ecs: ecsClient() }),
    ecs: new EcsNativeDeployments({
      ecs: ecsClient(),
      ...(options.ecsOtherHookRolePattern !== undefined
        ? { otherHookRolePattern: options.ecsOtherHookRolePattern }
        : {}),
    }),
  };
}
