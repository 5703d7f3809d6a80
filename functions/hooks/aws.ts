/** The production adapters of the hook functions, each built on first use at cold start. */
import {
  cloudWatchClient,
  codeDeployClient,
  ecsClient,
  elbv2Client,
  sfnClient,
} from '../../shared/aws/clients';
import { CodeDeployHookService } from '../../shared/aws/codedeploy-hooks';
import { SfnExecutions } from '../../shared/aws/sfn-executions';
import type { Parsed } from '../../shared/domain/hooks/ecs-hook-event';
import type { Executions } from '../../shared/ports/executions';
import { CloudWatchMetrics } from '../../shared/aws/cloudwatch-metrics';
import { AlbRouter } from '../../shared/aws/alb-router';
import { EcsBlueGreenService } from '../../shared/aws/ecs-blue-green';
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

export function metrics() {
  return new CloudWatchMetrics({ client: cloudWatchClient(), elbv2: elbv2Client() });
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
