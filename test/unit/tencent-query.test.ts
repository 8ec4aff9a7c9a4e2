import { describe, expect, it } from "vitest";
import * as z from "zod";
import { coerceTo, unflatten } from "../../functions/api/tencent/query-params.ts";

describe("unflatten", () => {
  it("rebuilds lists and objects from the SDKs' dotted names", () => {
    const params = new URLSearchParams(
      "Filters.0.Name=vpc-id&Filters.0.Values.0=a&Filters.0.Values.1=b&Filters.1.Name=zone&Filters.1.Values.0=z&Limit=5",
    );
    expect(unflatten(params)).toEqual({
      Filters: [
        { Name: "vpc-id", Values: ["a", "b"] },
        { Name: "zone", Values: ["z"] },
      ],
      Limit: "5",
    });
  });

  it.each([
    ["a list with a gap", "EndPointId.0=a&EndPointId.2=b"],
    ["a name given twice", "Limit=1&Limit=2"],
    ["a value and an object under one name", "Tags=x&Tags.0.Key=k"],
    ["a prototype key", "__proto__.polluted=1"],
    ["an empty segment", "Filters..Name=x"],
  ])("refuses %s", (_what, query) => {
    expect(() => unflatten(new URLSearchParams(query))).toThrow(
      expect.objectContaining({ code: "InvalidParameter" }),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("coerceTo", () => {
  const schema = z.strictObject({
    AcceptFlag: z.boolean(),
    MaxResults: z.number().int().optional(),
    Offset: z.union([z.number(), z.string()]).optional(),
    Filters: z.array(z.strictObject({ Name: z.string(), Values: z.array(z.string()) })).optional(),
  });

  it("turns strings into booleans and numbers where the schema takes them, and nowhere else", () => {
    expect(
      coerceTo(schema, {
        AcceptFlag: "True",
        MaxResults: "20",
        Offset: "3",
        Filters: [{ Name: "1", Values: ["true"] }],
      }),
    ).toEqual({ AcceptFlag: true, MaxResults: 20, Offset: "3", Filters: [{ Name: "1", Values: ["true"] }] });
    expect(coerceTo(schema, { AcceptFlag: "false" })).toEqual({ AcceptFlag: false });
  });

  it("leaves what it cannot read for the schema to refuse", () => {
    expect(coerceTo(schema, { AcceptFlag: "yes", MaxResults: "1e3" })).toEqual({
      AcceptFlag: "yes",
      MaxResults: "1e3",
    });
  });
});
