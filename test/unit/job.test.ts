import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import { Clock } from "../../core/util/time.ts";
import { defineJob, scheduledEvent } from "../../functions/cron/job.ts";
import { installSuiteClock } from "../support/clock.ts";

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  ddb.reset();
  ddb.on(PutCommand).resolves({});
  Db.use(DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })));
});
afterEach(() => {
  Db.use(undefined);
  installSuiteClock();
});

describe("a job's recorded run", () => {
  it("lasts as long as its body, from start to finish, whoever fired it", async () => {
    // Prepare: a clock the body moves on by 4.5 s.
    let at = Date.parse("2026-11-30T10:05:00Z");
    Clock.use(() => at);
    const job = defineJob("slow", async () => {
      at += 4_500;
      return { rolled: 3 };
    });
    // Act
    const outcome = await job.run(scheduledEvent("slow", new Date(at), "demo"));
    // Assess: the outcome and the record the operator sees.
    expect(outcome).toMatchObject({
      status: "succeeded",
      trigger: "demo",
      startedAt: "2026-11-30T10:05:00.000Z",
      finishedAt: "2026-11-30T10:05:04.500Z",
      durationMs: 4_500,
      summary: { rolled: 3 },
    });
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({ durationMs: 4_500 });
  });
});
