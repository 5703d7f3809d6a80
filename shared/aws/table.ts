/**
 * The single DynamoDB table behind the Store, described once: the local dynalite setup creates it
 * with createTableInput, and serverless.yml must declare these same keys and TTL attribute.
 */
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  KeySchemaElement,
} from '@aws-sdk/client-dynamodb';

/** Epoch-seconds attribute AWS TTL deletes items by; dynalite ignores it (expiry is checked in code). */
export const TTL_ATTRIBUTE = 'ttl';

export const TABLE_KEY_SCHEMA: readonly KeySchemaElement[] = Object.freeze([
  { AttributeName: 'pk', KeyType: 'HASH' },
  { AttributeName: 'sk', KeyType: 'RANGE' },
]);

export const TABLE_ATTRIBUTES: readonly AttributeDefinition[] = Object.freeze([
  { AttributeName: 'pk', AttributeType: 'S' },
  { AttributeName: 'sk', AttributeType: 'S' },
]);

/** CreateTable input for an on-demand table named `tableName`. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    KeySchema: TABLE_KEY_SCHEMA.map((k) => ({ ...k })),
    AttributeDefinitions: TABLE_ATTRIBUTES.map((a) => ({ ...a })),
    BillingMode: 'PAY_PER_REQUEST',
  };
}
