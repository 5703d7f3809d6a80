/**
 * Lambda entry points of the blue/green steps (serverless.yml: `functions/deploy/handlers.<key>`).
 * Production adapters and SDK clients are built once per container, at cold start.
 */
import { AlbRouter } from '../../shared/aws/alb-router';
import { CloudWatchAlarms } from '../../shared/aws/cloudwatch-alarms';
import {
  cloudWatchClient,
  dynamoDocumentClient,
  ecsClient,
  elbv2Client,
  snsClient,
} from '../../shared/aws/clients';
import { CloudWatchMetrics } from '../../shared/aws/cloudwatch-metrics';
import { DynamoStore } from '../../shared/aws/dynamo-store';
import { EcsFleet } from '../../shared/aws/ecs-fleet';
import { HttpProbe } from '../../shared/aws/http-probe';
import { SnsNotifier } from '../../shared/aws/sns-notifier';
import { deployEnv } from '../../shared/config/env';
import { createLogger } from '../../shared/lambda';
import { systemClock } from '../../shared/ports/clock';
import { createDeploySteps, type DeployDeps } from './index';

const env = deployEnv();

const deps: DeployDeps = {
  alarms: new CloudWatchAlarms({ client: cloudWatchClient() }),
  fleet: new EcsFleet({ client: ecsClient() }),
  router: new AlbRouter({ client: elbv2Client() }),
  metrics: new CloudWatchMetrics({ client: cloudWatchClient(), elbv2: elbv2Client() }),
  // Plain HTTP from the function: reaching an internal test listener needs the function in the VPC.
  probe: new HttpProbe(),
  store: new DynamoStore({ client: dynamoDocumentClient(), tableName: env.TABLE_NAME }),
  notifier: new SnsNotifier({ client: snsClient(), topicArn: env.TOPIC_ARN }),
  clock: systemClock,
  logger: createLogger(),
};

const steps = createDeploySteps(deps);

export const prepare = steps.prepare;
export const launch = steps.launch;
export const checkLaunch = steps['check-launch'];
export const nextStep = steps['next-step'];
export const setWeights = steps['set-weights'];
export const verifyWeights = steps['verify-weights'];
export const evaluate = steps.evaluate;
export const evaluateTestTraffic = steps['evaluate-test-traffic'];
export const retire = steps.retire;
export const rollback = steps.rollback;
export const finish = steps.finish;
