/**
 * AWS SDK clients, built on first use and then shared for the life of the Lambda container, so
 * connections and the adaptive retry state survive between invocations. Building a client does no
 * network I/O; region and credentials come from the SDK's default chain (the Lambda environment).
 * On Lambda each client is traced (Powertools Tracer, X-Ray subsegment per call); elsewhere
 * `traced` hands the client back untouched.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, type TranslateConfig } from '@aws-sdk/lib-dynamodb';
import { traced } from '../observability/tracing';

/** Retry settings every client shares: adaptive mode backs off client-side under throttling. */
export const CLIENT_RETRY_CONFIG = { retryMode: 'adaptive', maxAttempts: 5 } as const;

/** Document-client marshalling: optional record fields may be undefined, which DynamoDB cannot store. */
export const DOCUMENT_TRANSLATE_CONFIG: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true },
};

function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

/** The container's ECS client. */
export const ecsClient = /* @__PURE__ */ once(() => traced(new ECSClient({ ...CLIENT_RETRY_CONFIG })));

/** The container's Elastic Load Balancing v2 client. */
export const elbv2Client = /* @__PURE__ */ once(() =>
  traced(new ElasticLoadBalancingV2Client({ ...CLIENT_RETRY_CONFIG })),
);

/** The container's Application Auto Scaling client (scalable targets of the ECS services). */
export const appAutoScalingClient = /* @__PURE__ */ once(() =>
  traced(new ApplicationAutoScalingClient({ ...CLIENT_RETRY_CONFIG })),
);

/** The container's CloudWatch client. */
export const cloudWatchClient = /* @__PURE__ */ once(() =>
  traced(new CloudWatchClient({ ...CLIENT_RETRY_CONFIG })),
);

/** The container's SNS client. */
export const snsClient = /* @__PURE__ */ once(() => traced(new SNSClient({ ...CLIENT_RETRY_CONFIG })));

/** The container's Step Functions client. */
export const sfnClient = /* @__PURE__ */ once(() => traced(new SFNClient({ ...CLIENT_RETRY_CONFIG })));

/** The container's CodePipeline client (job results). */
export const codePipelineClient = /* @__PURE__ */ once(() =>
  traced(new CodePipelineClient({ ...CLIENT_RETRY_CONFIG })),
);

/** The container's DynamoDB document client. */
export const dynamoDocumentClient = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(
    traced(new DynamoDBClient({ ...CLIENT_RETRY_CONFIG })),
    DOCUMENT_TRANSLATE_CONFIG,
  ),
);

/** The container's EventBridge Scheduler client (Greenlight's schedules). */
export const schedulerClient = /* @__PURE__ */ once(() =>
  traced(new SchedulerClient({ ...CLIENT_RETRY_CONFIG })),
);

/** The container's CodeDeploy client (lifecycle hooks of CodeDeploy ECS deployments). */
export const codeDeployClient = /* @__PURE__ */ once(() =>
  traced(new CodeDeployClient({ ...CLIENT_RETRY_CONFIG })),
);

/** The container's Lambda client (user hooks that are functions). */
export const lambdaClient = /* @__PURE__ */ once(() => traced(new LambdaClient({ ...CLIENT_RETRY_CONFIG })));
