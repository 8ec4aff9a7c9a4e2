import { AsyncLocalStorage } from "node:async_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as Config from "../config.ts";

/**
 * The DynamoDB document client, built once per process from configuration. A middleware reports every
 * command sent to the observers of the current async context, so tests can hold a route to its budget
 * ("GET one resource: 1 read") without reaching into the code.
 */
export namespace Db {
  let documentClient: DynamoDBDocumentClient | undefined;
  const observers = new AsyncLocalStorage<string[]>();

  export function client(): DynamoDBDocumentClient {
    if (!documentClient) documentClient = build();
    return documentClient;
  }

  export function table(): string {
    return Config.get().tableName;
  }

  /** Replaces the client (tests: a mocked or differently configured one); `undefined` rebuilds from config. */
  export function use(next: DynamoDBDocumentClient | undefined): void {
    documentClient = next;
  }

  /** Runs `fn` and returns the names of the DynamoDB commands it sent (`GetItem`, `Query`, ...). */
  export async function recordCommands<T>(fn: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
    const commands: string[] = [];
    const result = await observers.run(commands, fn);
    return { result, commands };
  }

  /**
   * Timeouts and tries for every DynamoDB client (the table's, the stream poller's, the local admin's):
   * a stalled table fails a call within about attempts × (request timeout + backoff) instead of
   * waiting as long as the socket lives. The SDK retries timeouts and throttling with backoff.
   */
  export function transport(config: Config.Info = Config.get()) {
    const { connectTimeoutMs, requestTimeoutMs, maxAttempts } = config.dynamodb;
    return {
      requestHandler: {
        connectionTimeout: connectTimeoutMs,
        requestTimeout: requestTimeoutMs,
        // Without it the handler only logs a warning when the time is up and goes on waiting.
        throwOnRequestTimeout: true,
      },
      maxAttempts,
    };
  }

  /**
   * Credentials for a DynamoDB at LINKPLANE_DYNAMODB_ENDPOINT. DynamoDB Local checks no signature; without
   * -sharedDb the key id chooses the database, so it is the secret (`npm start` keeps a random one in the
   * data folder). "linkplane" when none is given, for a DynamoDB Local someone runs with -sharedDb.
   */
  export function localCredentials(config: Config.Info = Config.get()) {
    const accessKeyId = config.dynamodb.accessKeyId ?? "linkplane";
    return { accessKeyId, secretAccessKey: accessKeyId };
  }

  function build(): DynamoDBDocumentClient {
    const config = Config.get();
    const local = config.dynamodbEndpoint !== undefined;
    const base = new DynamoDBClient({
      region: config.awsRegion,
      ...(local
        ? {
            endpoint: config.dynamodbEndpoint,
            credentials: localCredentials(config),
          }
        : {}),
      ...transport(config),
    });
    base.middlewareStack.add(
      (next, context) => async (args) => {
        const list = observers.getStore();
        if (list && context.commandName) list.push(context.commandName.replace(/Command$/, ""));
        return next(args);
      },
      { step: "initialize", name: "linkplaneCommandRecorder" },
    );
    return DynamoDBDocumentClient.from(base, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }
}
