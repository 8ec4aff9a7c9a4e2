/**
 * Lambda's event filtering for the local poller: the records a filter drops never reach the handler, as
 * in AWS, where the event source mapping drops them before the function is invoked. Only the subset of
 * the filter language the plan uses is understood (nested fields, lists of exact values); anything else
 * is refused when the poller is built, so a pattern cannot silently mean something else locally.
 */
export type FilterPattern = { [field: string]: FilterPattern | ReadonlyArray<string | number | boolean> };

export function assertSupported(pattern: FilterPattern, path = ""): void {
  for (const [field, rule] of Object.entries(pattern)) {
    const at = path ? `${path}.${field}` : field;
    if (Array.isArray(rule)) {
      for (const value of rule)
        if (value === null || typeof value === "object")
          throw new Error(`stream filter ${at}: only exact values are supported locally`);
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
      if (!rule.includes(actual as string)) return false;
    } else if (!matches(rule as FilterPattern, actual)) return false;
  }
  return true;
}

/** Lambda's rule: a record passes when any one of the filters matches it (no filters: every record). */
export function passes(filters: readonly FilterPattern[] | undefined, record: unknown): boolean {
  return !filters || filters.length === 0 || filters.some((f) => matches(f, record));
}
