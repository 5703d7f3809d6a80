/** An in-memory DynamoDB (dynalite) with the Store's table, for the local rehearsal and tests. */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { DOCUMENT_TRANSLATE_CONFIG } from '../../aws/clients';
import { createTableInput } from '../../aws/table';

export interface LocalDynamo {
  endpoint: string;
  tableName: string;
  documentClient: DynamoDBDocumentClient;
  /** Closes the client's connections and the server; the data is gone afterwards. */
  stop(): Promise<void>;
}

const DEFAULT_TABLE_NAME = 'greenlight';
const ACTIVE_TIMEOUT_MS = 10_000;
const ACTIVE_POLL_MS = 20;

/** Starts dynalite on a free loopback port and creates the Store's table in it. */
export async function startDynalite(options: { tableName?: string } = {}): Promise<LocalDynamo> {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const documentClient = DynamoDBDocumentClient.from(client, DOCUMENT_TRANSLATE_CONFIG);

  const stop = async () => {
    client.destroy();
    // Keep-alive sockets (ours or other clients') would otherwise hold close() open.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  };

  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await waitUntilActive(client, tableName);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { endpoint, tableName, documentClient, stop };
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) {
      throw new Error(
        `dynalite: table ${tableName} not ACTIVE after ${ACTIVE_TIMEOUT_MS} ms (${Table?.TableStatus})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, ACTIVE_POLL_MS));
  }
}
