import { afterAll, beforeAll } from "vitest";
import * as Config from "../../core/config.ts";

/**
 * Sets configuration variables for the tests of the enclosing `describe` (or file) and puts back what
 * was there after them, re-reading the configuration both times.
 */
export function withEnv(vars: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  beforeAll(() => {
    Object.assign(process.env, vars);
    Config.reset();
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    Config.reset();
  });
}
