import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { Change } from "../../core/stream/change.ts";
import { createStreamHandler, toChange } from "../../functions/streams/handler.ts";
import { restoreEmptyMaps } from "../../infra/local/stream-event.ts";

function record(
  seq: string,
  image: Record<string, unknown>,
  eventName: "INSERT" | "MODIFY" | "REMOVE" = "INSERT",
): DynamoDBRecord {
  return {
    eventID: `e${seq}`,
    eventName,
    eventSource: "aws:dynamodb",
    dynamodb: {
      SequenceNumber: seq,
      ApproximateCreationDateTime: 1_700_000_000,
      Keys: marshall({ pk: image.pk, sk: image.sk }) as never,
      NewImage: eventName === "REMOVE" ? undefined : (marshall(image) as never),
      OldImage: eventName === "INSERT" ? undefined : (marshall(image) as never),
    },
  };
}

describe("stream handler", () => {
  it("hands each change to the consumers of its entity type, in order", async () => {
    // Prepare
    const seen: string[] = [];
    const handler = createStreamHandler([
      {
        name: "vpcs",
        entities: ["Vpc"],
        handle: async (c: Change) => void seen.push(`vpc:${c.kind}:${c.sequence}`),
      },
      {
        name: "subnets",
        entities: ["Subnet"],
        handle: async (c: Change) => void seen.push(`subnet:${c.sequence}`),
      },
    ]);
    // Act
    const out = await handler({
      Records: [
        record("1", { pk: "a", sk: "b", type: "Vpc" }),
        record("2", { pk: "c", sk: "d", type: "Subnet" }),
        record("3", { pk: "a", sk: "b", type: "Vpc" }, "REMOVE"),
        record("4", { pk: "x", sk: "y" }),
      ],
    });
    // Assess
    expect(out.batchItemFailures).toEqual([]);
    expect(seen).toEqual(["vpc:insert:1", "subnet:2", "vpc:remove:3"]);
  });

  it("reports the failed record and every one after it, so none overtakes it", async () => {
    let handled = 0;
    const handler = createStreamHandler([
      {
        name: "fails-on-2",
        entities: ["Vpc"],
        handle: async (c: Change) => {
          if (c.sequence === "2") throw new Error("boom");
          handled++;
        },
      },
    ]);
    const out = await handler({
      Records: ["1", "2", "3"].map((s) => record(s, { pk: s, sk: s, type: "Vpc" })),
    });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: "2" }, { itemIdentifier: "3" }]);
    expect(handled).toBe(1);
  });

  it("turns a record into a change with plain images", () => {
    const change = toChange(record("9", { pk: "p", sk: "s", type: "Vpc", n: 2, m: {} }, "MODIFY"));
    expect(change).toMatchObject({
      kind: "modify",
      entity: "Vpc",
      keys: { pk: "p", sk: "s" },
      sequence: "9",
    });
    expect(change.newImage).toEqual({ pk: "p", sk: "s", type: "Vpc", n: 2, m: {} });
    expect(change.at.getTime()).toBe(1_700_000_000_000);
  });
});

describe("restoreEmptyMaps", () => {
  it("puts back the {M: {}} the streams client drops, at any depth", () => {
    const image = { a: {}, b: { M: { c: {}, d: { S: "x" } } }, e: { L: [{}, { N: "1" }] }, f: { S: "y" } };
    expect(restoreEmptyMaps(image)).toEqual({
      a: { M: {} },
      b: { M: { c: { M: {} }, d: { S: "x" } } },
      e: { L: [{ M: {} }, { N: "1" }] },
      f: { S: "y" },
    });
  });
});
