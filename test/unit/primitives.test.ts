import { randomBytes } from "node:crypto";
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { Cidr, Ipv4 } from "../../core/util/cidr.ts";
import { Sealed, safeEqual } from "../../core/util/crypto.ts";
import { randomDigits, randomToken, resourceId } from "../../core/util/id.ts";
import { validate } from "../../core/validation.ts";

describe("Ipv4 and Cidr", () => {
  it("round-trips every address through parse and format", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        expect(Ipv4.parse(Ipv4.format(n))).toBe(n);
      }),
    );
  });

  it("refuses ambiguous or partial addresses", () => {
    for (const text of ["10.1", "010.0.0.1", "10.0.0.256", "0x0a.0.0.1", "10.0.0.1 ", "", "1.2.3.4.5"]) {
      expect(Ipv4.parse(text), text).toBeUndefined();
    }
  });

  it("accepts exactly the strict dotted-decimal addresses ipaddr.js accepts", () => {
    const part = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.stringMatching(/^[0-9]{1,4}$/),
      fc.constantFrom("", "0x1f", "-1", " 1", "1e2"),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), (parts) => {
        const text = parts.join(".");
        const valid = ipaddr.IPv4.isValidFourPartDecimal(text);
        expect(Ipv4.parse(text) !== undefined, text).toBe(valid);
        if (valid)
          expect(Ipv4.parse(text)).toBe(
            ipaddr.IPv4.parse(text)
              .toByteArray()
              .reduce((a, b) => a * 256 + b, 0),
          );
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with a brute-force overlap and containment check on small blocks", () => {
    const block = fc
      .record({ base: fc.integer({ min: 0, max: 255 }), prefix: fc.integer({ min: 24, max: 32 }) })
      .map(({ base, prefix }) => {
        const size = 2 ** (32 - prefix);
        const aligned = 167772160 + base - (base % size);
        const parsed = Cidr.parse(`${Ipv4.format(aligned)}/${prefix}`);
        if (!parsed.ok) throw new Error(parsed.reason);
        return parsed.cidr;
      });
    fc.assert(
      fc.property(block, block, (a, b) => {
        const addresses = (c: typeof a) => new Set(Array.from({ length: c.size }, (_, i) => c.base + i));
        const as = addresses(a);
        const bs = addresses(b);
        expect(Cidr.overlaps(a, b)).toBe([...as].some((x) => bs.has(x)));
        expect(Cidr.contains(a, b)).toBe([...bs].every((x) => as.has(x)));
      }),
    );
  });

  it("names the aligned block when host bits are set", () => {
    const r = Cidr.parse("10.0.3.7/22");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain("10.0.0.0/22");
  });
});

describe("ids", () => {
  it("makes reference-shaped, distinct resource IDs", () => {
    const ids = new Set(Array.from({ length: 5000 }, () => resourceId("vpce")));
    expect(ids.size).toBe(5000);
    for (const id of ids) expect(id).toMatch(/^vpce-[0-9a-z]{8}$/);
  });

  it("makes tokens and digit strings of the asked length and alphabet", () => {
    expect(randomToken(32)).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(randomDigits(12)).toMatch(/^[1-9]\d{11}$/);
  });
});

describe("Sealed", () => {
  it("opens what it sealed, only with the same key and associated data", () => {
    const key = randomBytes(32);
    const sealed = Sealed.seal(key, "the secret", "AKID1");
    expect(sealed).not.toContain("the secret");
    expect(Sealed.open(key, sealed, "AKID1")).toBe("the secret");
    expect(() => Sealed.open(key, sealed, "AKID2")).toThrow();
    expect(() => Sealed.open(randomBytes(32), sealed, "AKID1")).toThrow();
  });

  it("compares strings of any length", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});

describe("validate", () => {
  const schema = z.strictObject({
    name: z.string().min(1).max(5),
    port: z.number().int().min(1).max(10),
    nested: z.strictObject({ tag: z.string().regex(/^a+$/) }).optional(),
  });

  it.each([
    [{ port: 1 }, "MissingParameter", "name"],
    [{ name: 1, port: 1 }, "InvalidParameter", "name"],
    [{ name: "toolong", port: 1 }, "InvalidParameterValue.TooLong", "name"],
    [{ name: "a", port: 11 }, "InvalidParameterValue.Range", "port"],
    [{ name: "a", port: 1, extra: true }, "UnknownParameter", "extra"],
    [{ name: "a", port: 1, nested: { tag: "b" } }, "InvalidParameterValue.Malformed", "nested.tag"],
    [{ name: "a", port: 1, nested: { tag: "a", x: 1 } }, "UnknownParameter", "nested.x"],
    [null, "InvalidParameter", "body"],
  ])("%o → %s on %s", (input, code, field) => {
    expect(() => validate(schema, input)).toThrow(expect.objectContaining({ code, field }));
  });

  it("returns what the schema accepts and refuses the rest with an InvalidParameterError naming a field", () => {
    const nearlyValid = fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 7 }), fc.integer()),
        port: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double()),
        nested: fc.record({ tag: fc.constantFrom("a", "aa", "b") }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(nearlyValid, fc.jsonValue()), (input) => {
        const expected = schema.safeParse(input);
        if (expected.success) {
          accepted++;
          expect(validate(schema, input)).toEqual(expected.data);
        } else {
          expect(() => validate(schema, input)).toThrow(
            expect.objectContaining({ kind: "invalid", field: expect.any(String) }),
          );
        }
      }),
      { numRuns: 300 },
    );
    // Both branches ran: the property did not hold only because every input was refused.
    expect(accepted).toBeGreaterThan(0);
  });
});
