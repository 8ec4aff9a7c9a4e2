import { describe, expect, it } from "vitest";
import { dynamoDbLocalArgs } from "../../infra/local/dynamodb-local.ts";

describe("DynamoDB Local's command line", () => {
  it("keeps a database per key id and allows no origin a browser can send", () => {
    // Act
    const args = dynamoDbLocalArgs("/jar", 8000, "/data/dynamodb");
    const cors = args[args.indexOf("-cors") + 1] ?? "";
    // Assess: -sharedDb would open every tenant to any key id; without -cors a later DynamoDB Local may
    // allow `*`. A browser's Origin is `null` or scheme://host[:port].
    expect(args).not.toContain("-sharedDb");
    expect(args).toContain("-cors");
    for (const entry of cors.split(",").map((e) => e.trim())) {
      expect(entry).not.toMatch(/^(\*|null|[a-z][a-z0-9+.-]*:\/\/.*)$/i);
      expect(entry).not.toBe("");
    }
  });
});
