import { existsSync, mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's chromium (installed by .ci/run); playwright-core never downloads a browser here. */
export function chromiumPath(): string {
  const candidates = [process.env.LINKPLANE_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error("chromium not found: apt-get install -y chromium (or set LINKPLANE_CHROMIUM)");
  return found;
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US"],
  });
}

/** Where the run's screenshots go: LINKPLANE_SCREENSHOTS (docs/console to refresh the docs) or .linkplane. */
export const screenshotDir = resolve(process.env.LINKPLANE_SCREENSHOTS ?? ".linkplane/screenshots");

export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: resolve(screenshotDir, `${name}.png`), fullPage: true });
}

const axePath = resolve(createRequire(import.meta.url).resolve("axe-core"), "../axe.min.js");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core's serious and critical violations on what the page shows now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const source = await readFile(axePath, "utf8");
  await page.evaluate(source);
  // A string, evaluated in the page: this file is type-checked without the DOM library.
  const violations = (await page.evaluate("axe.run(document).then((r) => r.violations)")) as AxeViolation[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
