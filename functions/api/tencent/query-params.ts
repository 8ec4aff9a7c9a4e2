import type * as z from "zod";
import { InvalidParameterError } from "../../../core/errors.ts";

/**
 * Parameters of a GET request (or a signature v1 form), as the SDKs flatten them: `Filters.0.Name=x`,
 * `EndPointId.1=ep-2`, every value a string. They are rebuilt into the JSON shape a POST would carry,
 * then each string is turned into the type the action's schema asks for at that place (a boolean for
 * `AcceptFlag=true`, a number for `MaxResults=20`), so one schema serves both methods.
 */
export function unflatten(pairs: Iterable<[string, string]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of pairs) {
    const path = name.split(".");
    if (path.some((p) => p === "" || p === "__proto__" || p === "constructor" || p === "prototype")) {
      throw new InvalidParameterError("InvalidParameter", `${name} is not a parameter name`, { field: name });
    }
    let node: Record<string, unknown> = root;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const existing = Object.hasOwn(node, segment) ? node[segment] : undefined;
      if (last) {
        if (existing !== undefined) {
          throw new InvalidParameterError("InvalidParameter", `${name} is given twice`, { field: name });
        }
        node[segment] = value;
        return;
      }
      if (existing === undefined) node[segment] = {};
      else if (typeof existing !== "object") {
        throw new InvalidParameterError(
          "InvalidParameter",
          `${path.slice(0, i + 1).join(".")} is given twice`,
          {
            field: name,
          },
        );
      }
      node = node[segment] as Record<string, unknown>;
    });
  }
  return arrays(root, "") as Record<string, unknown>;
}

/** Objects whose keys are exactly 0..n-1 become arrays (`EndPointId.0`, `EndPointId.1`). */
function arrays(node: unknown, at: string): unknown {
  if (node === null || typeof node !== "object") return node;
  const entries = Object.entries(node as Record<string, unknown>).map(
    ([k, v]) => [k, arrays(v, at ? `${at}.${k}` : k)] as const,
  );
  const indexed = entries.length > 0 && entries.every(([k]) => /^(0|[1-9]\d{0,3})$/.test(k));
  if (!indexed) return Object.fromEntries(entries);
  const list: unknown[] = [];
  for (const [k, v] of entries) list[Number(k)] = v;
  for (let i = 0; i < list.length; i++) {
    if (!(i in list)) {
      throw new InvalidParameterError(
        "InvalidParameter",
        `${at}.${i} is missing: list items are numbered from 0`,
        {
          field: `${at}.${i}`,
        },
      );
    }
  }
  return list;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}

const def = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Turns query-string values into what `schema` expects where it expects a boolean or a number. */
export function coerceTo(schema: z.ZodType, value: unknown): unknown {
  const d = def(schema);
  switch (d.type) {
    case "optional":
    case "nullable":
    case "default":
      return coerceTo(d.innerType as z.ZodType, value);
    case "pipe":
      return coerceTo(d.in as z.ZodType, value);
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
      const shape = d.shape ?? {};
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          Object.hasOwn(shape, k) ? coerceTo(shape[k] as z.ZodType, v) : v,
        ]),
      );
    }
    case "array":
      return Array.isArray(value) ? value.map((v) => coerceTo(d.element as z.ZodType, v)) : value;
    case "boolean":
      if (value === "true" || value === "True") return true;
      if (value === "false" || value === "False") return false;
      return value;
    case "number":
      return typeof value === "string" && /^-?\d{1,15}(\.\d{1,15})?$/.test(value) ? Number(value) : value;
    case "union":
      // A union that takes a string (Offset, Limit) takes the query string's value as it is.
      return value;
    default:
      return value;
  }
}
