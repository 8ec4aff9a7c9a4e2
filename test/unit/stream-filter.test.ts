import { describe, expect, it } from "vitest";
import { ServiceMinutes } from "../../core/metrics/service-minutes.ts";
import { passes } from "../../infra/local/stream-filter.ts";
import { metricStreamConsumer, streamConsumer } from "../../infra/plan.ts";

const record = (images: { NewImage?: string; OldImage?: string }) => ({
  eventName: images.NewImage ? "MODIFY" : "REMOVE",
  dynamodb: Object.fromEntries(
    Object.entries(images).map(([k, type]) => [k, { pk: { S: "X" }, type: { S: type } }]),
  ),
});

describe("the stream consumer's filters", () => {
  it("let through a change to a consumed entity, its removal included, and drop webhook messages", () => {
    // Prepare
    const filters = streamConsumer.filters;
    // Act
    const verdicts = {
      modify: passes(filters, record({ NewImage: "Endpoint", OldImage: "Endpoint" })),
      remove: passes(filters, record({ OldImage: "Endpoint" })),
      message: passes(filters, record({ NewImage: "WebhookMessage", OldImage: "WebhookMessage" })),
      untyped: passes(filters, { dynamodb: { NewImage: { pk: { S: "X" } } } }),
    };
    // Assess
    expect(verdicts).toEqual({ modify: true, remove: true, message: false, untyped: false });
  });

  it("give the metric consumer endpoint minutes only: not service minutes, removals or other entities", () => {
    // Prepare
    const filters = metricStreamConsumer.filters;
    const minute = (resourceId: string, summedBy: string | null = ServiceMinutes.SUMMED_BY) => ({
      type: { S: "MetricMinute" },
      resourceId: { S: resourceId },
      ...(summedBy ? { summedBy: { S: summedBy } } : {}),
    });
    // Act
    const verdicts = {
      endpointMinute: passes(filters, { dynamodb: { NewImage: minute("vpce-1a2b3c4d") } }),
      // Written by the ingest before service minutes came from the stream: it was added then.
      earlierMinute: passes(filters, { dynamodb: { NewImage: minute("vpce-1a2b3c4d", null) } }),
      serviceMinute: passes(filters, { dynamodb: { NewImage: minute("vpcsvc-1a2b3c4d") } }),
      expired: passes(filters, { dynamodb: { OldImage: minute("vpce-1a2b3c4d") } }),
      endpoint: passes(filters, record({ NewImage: "Endpoint" })),
    };
    // Assess
    expect(verdicts).toEqual({
      endpointMinute: true,
      earlierMinute: false,
      serviceMinute: false,
      expired: false,
      endpoint: false,
    });
    // And the entity consumer never sees metric minutes at all.
    expect(passes(streamConsumer.filters, { dynamodb: { NewImage: minute("vpce-1a2b3c4d") } })).toBe(false);
  });

  it("lets everything through when there are no filters", () => {
    expect(passes([], record({ NewImage: "WebhookMessage" }))).toBe(true);
    expect(passes(undefined, {})).toBe(true);
  });
});
