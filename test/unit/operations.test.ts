import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../../functions/api/operations.ts";
import { METRIC_OPERATIONS } from "../../functions/api/operations-metrics.ts";
import { PRIVATELINK_OPERATIONS } from "../../functions/api/operations-privatelink.ts";
import { WEBHOOK_OPERATIONS } from "../../functions/api/operations-webhooks.ts";

describe("the operations table", () => {
  it("keeps each part's every operation: no key is described twice, the later one winning", () => {
    // Prepare
    const parts = { PRIVATELINK_OPERATIONS, METRIC_OPERATIONS, WEBHOOK_OPERATIONS };
    // Act: the keys whose entry in the composed table is not the part's own.
    const overridden = Object.entries(parts).flatMap(([part, table]) =>
      Object.entries(table)
        .filter(([key, operation]) => OPERATIONS[key] !== operation)
        .map(([key]) => `${part}: ${key}`),
    );
    // Assess
    expect(overridden).toEqual([]);
  });
});
