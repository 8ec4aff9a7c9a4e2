import { AsyncLocalStorage } from "node:async_hooks";
import {
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  QueryCommand as QueryItemsCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import { convertToAttr, unmarshall } from "@aws-sdk/util-dynamodb";
import * as Config from "../config.ts";

/**
 * The DynamoDB document client, built once per process from configuration. A middleware reports every
 * command sent to the observers of the current async context, so tests can hold a route to its budget
 * ("GET one resource: 1 read") without reaching into the code.
 */
export namespace Db {
  let documentClient: DynamoDBDocumentClient | undefined;
  /** The single-item reads' client, built with the document client; none when `use` gave another one. */
  let reader: DynamoDBClient | undefined;
  const observers = new AsyncLocalStorage<string[]>();
  const writeListeners = new Set<() => void>();
  const MARSHALL = { removeUndefinedValues: true, convertClassInstanceToMap: false };
  /** The commands that change items, and so add records to the table's stream. */
  const WRITES = new Set([
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
  ]);

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
    reader = undefined;
  }

  /**
   * One item by key (GetItem), or undefined: the read of every GET of one resource. It goes through a
   * plain DynamoDB client that keeps its resolved middleware stack between calls (`cacheMiddleware`,
   * which the document client refuses): rebuilding the stack was about a fifth of the SDK's CPU per
   * call (docs/performance.md). Same configuration, errors and command recording as `client()`; when
   * `use` has replaced the client (a test's mock), the call goes to that client.
   */
  export async function getItem(
    key: Record<string, unknown>,
    consistent: boolean,
  ): Promise<Record<string, unknown> | undefined> {
    const docs = client();
    if (!reader) {
      const out = await docs.send(
        new GetCommand({ TableName: table(), Key: key, ConsistentRead: consistent }),
      );
      return out.Item;
    }
    const out = await reader.send(
      new GetItemCommand({ TableName: table(), Key: attributes(key), ConsistentRead: consistent }),
    );
    return out.Item ? unmarshall(out.Item) : undefined;
  }

  /**
   * Each value of a map to its attribute value, one by one as the document client does (a map made
   * with `Object.create(null)`, as tag filters are, is not an object to `marshall`); undefined ones dropped.
   */
  function attributes(map: Record<string, unknown>) {
    const out: Record<string, ReturnType<typeof convertToAttr>> = {};
    for (const [name, value] of Object.entries(map))
      if (value !== undefined) out[name] = convertToAttr(value, MARSHALL);
    return out;
  }

  /** One Query, as the document client sends it (plain values in and out), through the same client. */
  export async function query(
    input: QueryCommandInput,
  ): Promise<Pick<QueryCommandOutput, "Items" | "LastEvaluatedKey">> {
    const docs = client();
    if (!reader) return docs.send(new QueryCommand(input));
    const { ExpressionAttributeValues: values, ExclusiveStartKey: start, ...rest } = input;
    const out = await reader.send(
      new QueryItemsCommand({
        ...rest,
        ExpressionAttributeValues: values ? attributes(values) : undefined,
        ExclusiveStartKey: start ? attributes(start) : undefined,
      }),
    );
    return {
      Items: out.Items?.map((item) => unmarshall(item)),
      LastEvaluatedKey: out.LastEvaluatedKey ? unmarshall(out.LastEvaluatedKey) : undefined,
    };
  }

  /**
   * Calls `listener` after each write command this process's client sends settles (the local runtime
   * wakes its stream pollers: the write's records are there to read). Returns the unsubscribe.
   */
  export function onWrite(listener: () => void): () => void {
    writeListeners.add(listener);
    return () => writeListeners.delete(listener);
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
    const settings: DynamoDBClientConfig = {
      region: config.awsRegion,
      ...(local
        ? {
            endpoint: config.dynamodbEndpoint,
            credentials: localCredentials(config),
          }
        : {}),
      ...transport(config),
    };
    const base = new DynamoDBClient(settings);
    record(base);
    // The same HTTP handler, so its connections too: in Lambda a route that reads and then writes opens
    // one connection, not one per client.
    reader = new DynamoDBClient({
      ...settings,
      requestHandler: base.config.requestHandler,
      cacheMiddleware: true,
    });
    record(reader);
    return DynamoDBDocumentClient.from(base, { marshallOptions: MARSHALL });
  }

  /** Reports each command to `recordCommands`' observers, and writes to `onWrite`'s listeners. */
  function record(base: DynamoDBClient): void {
    base.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName?.replace(/Command$/, "");
        const list = observers.getStore();
        if (list && name) list.push(name);
        if (!name || !WRITES.has(name) || writeListeners.size === 0) return next(args);
        const notify = () => {
          for (const listener of writeListeners) listener();
        };
        const out = next(args);
        out.then(notify, notify);
        return out;
      },
      { step: "initialize", name: "linkplaneCommandRecorder" },
    );
  }
}
