/**
 * Length limits of request fields, derived from the limits of the stores they end up in, so that
 * a request the API accepts is one the workflow can carry through to the end:
 *
 * - DynamoDB: a partition key value is at most 2,048 bytes of UTF-8 (a sort key 1,024). The lock
 *   item's partition key is `LOCK#<cluster name>/<service>` (shared/aws/dynamo-store.ts), so the
 *   cluster and the service together must fit in what the prefix leaves.
 * - IAM: an ARN is at most 2,048 characters (IAM quotas). User ARNs carry a path of up to 512
 *   characters, so a caller ARN can be far longer than the usual 256.
 */

import { DYNAMODB_PARTITION_KEY_MAX_BYTES, IAM_ARN_MAX_LENGTH, utf8Bytes } from './limits';

export { DYNAMODB_PARTITION_KEY_MAX_BYTES, IAM_ARN_MAX_LENGTH, utf8Bytes };

/** The prefix of the lock item's partition key in the table (shared/aws/dynamo-store.ts lockPk). */
export const LOCK_KEY_PREFIX = 'LOCK#';

/** The cluster's name, whether given as a name or an ARN (the same reduction as deployment.ts clusterName). */
function clusterNameOf(cluster: string): string {
  const arn = /^arn:aws[a-z-]*:ecs:[^:]*:[^:]*:cluster\/(.+)$/.exec(cluster);
  return arn ? arn[1]! : cluster;
}

/** Bytes of the lock item's partition key for `cluster` (name or ARN) and `service`. */
export function lockKeyBytes(cluster: string, service: string): number {
  return utf8Bytes(`${LOCK_KEY_PREFIX}${clusterNameOf(cluster)}/${service}`);
}

/**
 * Why `cluster` and `service` cannot share a lock item, or undefined when they can. The message
 * says how long the cluster name may be for this service.
 */
export function lockKeyProblem(cluster: string, service: string): string | undefined {
  const bytes = lockKeyBytes(cluster, service);
  if (bytes <= DYNAMODB_PARTITION_KEY_MAX_BYTES) return undefined;
  const room = DYNAMODB_PARTITION_KEY_MAX_BYTES - utf8Bytes(`${LOCK_KEY_PREFIX}/${service}`);
  return (
    `the cluster name takes ${utf8Bytes(clusterNameOf(cluster))} bytes; with service "${service}" at most ${room} fit: ` +
    `the service's lock key ${LOCK_KEY_PREFIX}<cluster>/<service> is a DynamoDB partition key, at most ${DYNAMODB_PARTITION_KEY_MAX_BYTES} bytes`
  );
}
