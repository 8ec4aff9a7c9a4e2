import { afterAll, beforeAll } from "vitest";
import * as Config from "../../core/config.ts";

/**
 * Sets configuration variables for the tests of the enclosing `describe` (or file) and puts back what
 * was there after them, re-reading the configuration both times.
 */
export function withEnv(vars: Record<string, string>): void {
  // Read when the tests start, not when the file is collected: an enclosing withEnv has set its own by then.
  let saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
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
