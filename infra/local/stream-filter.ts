/**
 * Lambda's event filtering for the local poller: the records a filter drops never reach the handler, as
 * in AWS, where the event source mapping drops them before the function is invoked. Only the subset of
 * the filter language the plan uses is understood (nested fields, lists of exact values and
 * `{prefix: "…"}`); anything else is refused when the poller is built, so a pattern cannot silently mean
 * something else locally.
 */
export type FilterValue = string | number | boolean | { prefix: string };
export type FilterPattern = { [field: string]: FilterPattern | ReadonlyArray<FilterValue> };

const isPrefix = (value: unknown): value is { prefix: string } =>
  value !== null &&
  typeof value === "object" &&
  Object.keys(value).length === 1 &&
  typeof (value as { prefix?: unknown }).prefix === "string";

function valueMatches(rule: FilterValue, actual: unknown): boolean {
  if (isPrefix(rule)) return typeof actual === "string" && actual.startsWith(rule.prefix);
  return rule === actual;
}

export function assertSupported(pattern: FilterPattern, path = ""): void {
  for (const [field, rule] of Object.entries(pattern)) {
    const at = path ? `${path}.${field}` : field;
    if (Array.isArray(rule)) {
      for (const value of rule)
        if (value === null || (typeof value === "object" && !isPrefix(value)))
          throw new Error(`stream filter ${at}: only exact values and prefixes are supported locally`);
    } else if (rule && typeof rule === "object") assertSupported(rule as FilterPattern, at);
    else throw new Error(`stream filter ${at}: a rule is a list of values or a nested pattern`);
  }
}

function matches(pattern: FilterPattern, value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  for (const [field, rule] of Object.entries(pattern)) {
    if (!Object.hasOwn(record, field)) return false;
    const actual = record[field];
    if (Array.isArray(rule)) {
      if (!rule.some((value: FilterValue) => valueMatches(value, actual))) return false;
    } else if (!matches(rule as FilterPattern, actual)) return false;
  }
  return true;
}

/** Lambda's rule: a record passes when any one of the filters matches it (no filters: every record). */
export function passes(filters: readonly FilterPattern[] | undefined, record: unknown): boolean {
  return !filters || filters.length === 0 || filters.some((f) => matches(f, record));
}
