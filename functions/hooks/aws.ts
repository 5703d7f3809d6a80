/** The production adapters of the hook functions, each built on first use at cold start. */
import { cloudWatchClient, ecsClient, elbv2Client } from '../../shared/aws/clients';
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
