import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { API_TYPES_FILE, generateApiTypes } from "../../build/api-types.ts";

describe("the console's API types", () => {
  it("are what /openapi.json generates today (run `npm run generate:api-types` when this fails)", async () => {
    // Act
    const [generated, committed] = await Promise.all([generateApiTypes(), readFile(API_TYPES_FILE, "utf8")]);
    // Assess
    expect(generated === committed).toBe(true);
  });
});
