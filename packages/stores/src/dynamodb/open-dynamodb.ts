import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { storeTracingOn, traceDynamoCommands } from '../store-tracing.ts';

export interface DynamoConfig {
  /** A local endpoint (`http://127.0.0.1:8000`); unset → the AWS regional endpoint. */
  endpoint?: string | undefined;
  region?: string;
}

export interface DynamoConnection {
  client: DynamoDBClient;
  /** Marshals plain JS values; numbers stay exact because money is stored as strings. */
  documents: DynamoDBDocumentClient;
  close: () => void;
}

/**
 * A DynamoDB client. Against a local endpoint, static dummy credentials are used (local servers
 * don't check signatures); against AWS, the default credential chain.
 */
export function openDynamo(config: DynamoConfig): DynamoConnection {
  const client = new DynamoDBClient({
    region: config.region ?? 'us-east-1',
    ...(config.endpoint
      ? { endpoint: config.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 3,
  });
  if (storeTracingOn()) traceDynamoCommands(client);
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  return { client, documents, close: () => client.destroy() };
}
