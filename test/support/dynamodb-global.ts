import type { TestProject } from "vitest/node";
import { randomToken } from "../../core/util/id.ts";
import { startDynamoDbLocal } from "../../infra/local/dynamodb-local.ts";

/** One DynamoDB Local for the whole integration run; each test file makes its own table in it. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  project.provide("dynamodbEndpoint", dynamo.endpoint);
  project.provide("dynamodbAccessKeyId", randomToken(32));
  return async () => {
    await dynamo.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    dynamodbAccessKeyId: string;
  }
}
