import { readFile } from "node:fs/promises";
import { PutObjectCommand, type PutObjectCommandInput, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { Rollup } from "../../core/metrics/rollup.ts";
import { useObjectStore } from "../../core/storage/index.ts";
import { S3Store } from "../../core/storage/s3.ts";
import { useInlineLimit } from "../../functions/api/csv.ts";
import { demoSample } from "../../infra/local/demo.ts";
import { type LocalRuntime, startLocal } from "../../infra/local/runtime.ts";
import { launch, seriousViolations, shoot } from "../support/browser.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";

/**
 * The README's two-account walkthrough done entirely in the console, in real Chromium, against the real
 * local runtime (routes, stream poller, DynamoDB Local). Steps share the state they build, in order.
 */
let runtime: LocalRuntime;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let receiver: Receiver;
const people = {
  provider: { uin: "", secretId: "", secretKey: "" },
  consumer: { uin: "", secretId: "", secretKey: "" },
};
let serviceId = "";
let endpointId = "";
let sgApp = "";
let sgOps = "";
const pagesSeen = new Set<string>();

beforeAll(async () => {
  runtime = await startLocal({
    port: 0,
    inMemory: true,
    scheduler: false,
    dataDir: ".linkplane/console-test",
    tableName: process.env.LINKPLANE_TABLE,
  });
  browser = await launch();
  // bypassCSP only so that the test can inject axe-core; the app itself runs under its policy.
  context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    bypassCSP: true,
    acceptDownloads: true,
  });
  page = await context.newPage();
  receiver = await startReceiver();
}, 120_000);

/**
 * A page of the console signed in as the consumer, under its own Content-Security-Policy (unlike `page`,
 * whose context bypasses it for axe-core), with every refusal the browser reports collected.
 */
async function underPolicy(hash: string) {
  const strict = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  // Browser-side scripts as text: the tests are type-checked without the DOM library.
  const session = JSON.stringify({ kind: "account", ...people.consumer, region: "ap-guangzhou" });
  await strict.addInitScript({
    content: `sessionStorage.setItem("linkplane.session", ${JSON.stringify(session)});
      window.refused = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        window.refused.push(e.violatedDirective + " " + e.blockedURI));`,
  });
  const strictPage = await strict.newPage();
  await strictPage.goto(`${runtime.url}/console${hash}`);
  return { strict, strictPage, refused: () => strictPage.evaluate<string[]>("window.refused") };
}

// What the page showed when a step failed, next to the other screenshots.
afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail")
    await shoot(page, `failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, "-")}`);
});

afterAll(async () => {
  await receiver?.close();
  await browser?.close();
  await runtime?.stop();
});

/** The page is driven through a real runtime on a shared machine: give each expectation time. */
function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 20_000, interval: 100 });
}

async function open(hash = ""): Promise<void> {
  await page.goto(`${runtime.url}/console${hash}`);
}

async function signInAs(who: "provider" | "consumer"): Promise<void> {
  await signOutIfIn();
  await page.getByLabel("SecretId", { exact: true }).fill(people[who].secretId);
  await page.getByLabel("SecretKey", { exact: true }).fill(people[who].secretKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Endpoint services" }).waitFor();
}

async function signOutIfIn(): Promise<void> {
  await open();
  const out = page.getByRole("button", { name: "Sign out" });
  if (await out.isVisible()) await out.click();
  await page.getByRole("heading", { name: "Sign in to Linkplane" }).waitFor();
}

/**
 * Moves the focus with Tab until `target` has it, as someone without a mouse would: fails when the
 * control cannot be reached that way.
 */
async function tabTo(target: Locator, max = 120): Promise<void> {
  await target.waitFor();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === el.ownerDocument.activeElement)) return;
  }
  throw new Error(`${target} is not reachable with Tab (${max} presses)`);
}

/** Every page the test visits is checked with axe-core once. */
async function accessible(name: string): Promise<void> {
  if (pagesSeen.has(name)) return;
  pagesSeen.add(name);
  const violations = await seriousViolations(page);
  expect(
    violations.map((v) => `${name}: ${v.id} ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`),
  ).toEqual([]);
}

/**
 * Moves the pointer across a chart's plot from left to right, as a user reading it would, and answers
 * the values its legend shows for series `series` (1: the first line) at each step.
 */
async function legendAcross(chart: Locator, series = 1): Promise<string[]> {
  const over = chart.locator(".u-over");
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  if (!box) throw new Error("the chart has no plot area");
  const value = chart.locator(".u-legend .u-series").nth(series).locator(".u-value");
  const seen: string[] = [];
  for (let k = 0; k <= 60; k++) {
    await page.mouse.move(box.x + 1 + ((box.width - 2) * k) / 60, box.y + box.height / 2);
    seen.push(((await value.textContent()) ?? "").trim());
  }
  return seen;
}

/** Does `action` and answers the toast it brings (a new one, not the one already showing). */
async function toastAfter(action: () => Promise<void>, pattern: RegExp): Promise<string> {
  const toast = page.locator("#toast");
  const before = await toast.textContent();
  await action();
  await poll(async () => {
    const now = (await toast.textContent()) ?? "";
    return now !== before && pattern.test(now);
  }).toBe(true);
  return (await toast.textContent()) ?? "";
}

async function createInInventory(
  tab: string,
  fill: Record<string, string>,
  selects: Record<string, string> = {},
): Promise<string> {
  await open(`#/inventory/${tab}`);
  const form = page.getByRole("form", { name: /^Create/ });
  await form.waitFor();
  for (const [label, value] of Object.entries(selects))
    await form.getByLabel(label, { exact: true }).selectOption({ label: value });
  for (const [label, value] of Object.entries(fill))
    await form.getByLabel(label, { exact: true }).fill(value);
  const text = await toastAfter(() => form.getByRole("button", { name: "Create" }).click(), /^Created /);
  return text.replace("Created ", "");
}

describe("web console in Chromium", { timeout: 300_000 }, () => {
  it("refuses a wrong credential with the API's code, then the operator signs in and makes two accounts", async () => {
    // Prepare
    await open();
    await accessible("sign-in");
    await shoot(page, "sign-in");
    // Act: a made-up credential
    await page.getByLabel("SecretId", { exact: true }).fill("AKIDnotreal");
    await page.getByLabel("SecretKey", { exact: true }).fill("nope");
    await page.getByRole("button", { name: "Sign in" }).click();
    // Assess
    await poll(() => page.getByRole("alert").textContent()).toContain("AuthFailure");
    expect(await page.evaluate('sessionStorage.getItem("linkplane.session")')).toBeNull();

    // Act: the operator, with the keyboard only
    await page.getByLabel("Operator (token)").check();
    await page.getByLabel("Operator token").focus();
    await page.keyboard.type(Config.get().operatorToken ?? "");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Operator" }).waitFor();
    for (const who of ["provider", "consumer"] as const) {
      await page.getByLabel("Account name").fill(who === "provider" ? "provider" : "消费者");
      const text = await toastAfter(
        () => page.getByRole("button", { name: "Create account" }).click(),
        /Created account \d+/,
      );
      const uin = text.replace(/\D+/g, "");
      const row = page.locator(`tr[data-key="${uin}"]`);
      await row.getByRole("button", { name: "New credential" }).click();
      const dlg = page.getByRole("dialog", { name: "New credential" });
      people[who] = {
        uin,
        secretId: (await dlg.locator("[data-secret-id]").textContent()) ?? "",
        secretKey: (await dlg.locator("[data-secret-key]").textContent()) ?? "",
      };
      await dlg.getByRole("button", { name: "Done" }).click();
    }
    // Assess
    expect(people.provider.secretKey).not.toBe("");
    await poll(() => page.locator('[data-list="accounts"] tbody tr').count()).toBeGreaterThanOrEqual(2);
    await poll(() => page.locator('[data-list="accounts"]').textContent()).toContain("消费者");
    await accessible("operator-accounts");
    await shoot(page, "operator-accounts");
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.locator('tr[data-key="heartbeat"]').getByRole("button", { name: "Run now" }).click();
    await poll(() => page.locator('tr[data-key="heartbeat"]').textContent()).toContain("succeeded");
  });

  it("the provider builds its inventory and an endpoint service, and sees why a VPC in use cannot go", async () => {
    // Prepare
    await signInAs("provider");
    // Act
    const vpc = await createInInventory("vpcs", { Name: "生产网络", "IPv4 CIDR": "10.0.0.0/16" });
    await createInInventory(
      "backend-instances",
      { Name: "pay-lb", VIP: "10.0.0.10", Port: "8080" },
      { Type: "CLB", VPC: `生产网络 (${vpc}, 10.0.0.0/16)` },
    );
    await accessible("inventory");
    await open("#/inventory/vpcs");
    await page.getByRole("button", { name: `Delete ${vpc}` }).click();
    // Assess: the refusal says what uses it
    await poll(() => page.getByRole("alert").textContent()).toMatch(/ResourceInUse.*backend instance/);

    // Act: the create form shows the name rule as one types
    await open("#/services/new");
    const name = page.getByLabel("Name", { exact: true });
    await name.fill("bad name!");
    await poll(() => page.locator(".hint.bad").textContent()).toContain("Only letters");
    await name.fill("支付服务");
    await poll(() => page.locator(".hint.ok").textContent()).toContain("4/80");
    expect(await page.getByLabel("Accept connection requests automatically").isChecked()).toBe(false);
    await page.getByLabel("Service type").selectOption("CDB");
    expect(await page.getByLabel("Backend instance").textContent()).toContain("No CDB instance");
    await page.getByLabel("Service type").selectOption("CLB");
    expect(await page.getByLabel("Backend instance").textContent()).toContain("pay-lb");
    await page.getByLabel("Tags").fill("env=prod");
    await accessible("service-create");
    await shoot(page, "service-create");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByRole("heading", { name: "支付服务" }).waitFor();
    serviceId = page.url().split("#/services/")[1] ?? "";
    // Assess
    expect(serviceId).toMatch(/^vpcsvc-/);
    await poll(() => page.locator(".facts").textContent()).toContain("Auto-acceptNo");

    // Act: the consumer's account goes on the allowlist
    await page.getByRole("link", { name: "Allowlist" }).click();
    const add = page.getByRole("form", { name: "Add to allowlist" });
    await add.getByLabel("Account UIN").fill(people.consumer.uin);
    await add.getByLabel("Description").fill("消费者 team");
    await add.getByRole("button", { name: "Add", exact: true }).click();
    // Assess
    await poll(() =>
      page.locator(`[data-list="allowlist"] tr[data-key="${people.consumer.uin}"]`).textContent(),
    ).toContain("消费者 team");
    await accessible("service-allowlist");
    await shoot(page, "service-allowlist");
  });

  it("the consumer verifies the service, creates an endpoint in steps and binds security groups", async () => {
    // Prepare
    await signInAs("consumer");
    const vpc = await createInInventory("vpcs", { Name: "app-vpc", "IPv4 CIDR": "10.1.0.0/16" });
    await createInInventory(
      "subnets",
      { Name: "app-subnet", "IPv4 CIDR": "10.1.1.0/24" },
      { VPC: `app-vpc (${vpc}, 10.1.0.0/16)` },
    );
    sgApp = await createInInventory("security-groups", { Name: "app" });
    sgOps = await createInInventory("security-groups", { Name: "ops" });
    // Act
    await open("#/endpoints/new");
    await page.getByLabel("Service ID").fill(serviceId);
    await page.getByRole("button", { name: "Verify" }).click();
    // Assess
    await poll(() => page.locator(".verdict").textContent()).toContain("Connectable: 支付服务");
    // Act
    await page.getByLabel("Name", { exact: true }).fill("支付-endpoint");
    await page.getByLabel("Security group").selectOption({ label: `app (${sgApp})` });
    await accessible("endpoint-create");
    await shoot(page, "endpoint-create");
    await page.getByRole("button", { name: "Create endpoint" }).click();
    await page.getByRole("heading", { name: "支付-endpoint" }).waitFor();
    endpointId = page.url().split("#/endpoints/")[1] ?? "";
    // Assess
    expect(endpointId).toMatch(/^vpce-/);
    await poll(() => page.locator(".facts").textContent()).toContain("pending");
    await poll(() => page.locator(".facts").textContent()).toMatch(/IP10\.1\.1\.\d+/);

    // Act: bind the second group, then move it up to priority 1
    await page.getByLabel("Security group to bind").selectOption(sgOps);
    await page.getByRole("button", { name: "Bind", exact: true }).click();
    await poll(() => page.locator("table.bindings tbody tr").allTextContents()).toEqual([
      expect.stringContaining(`1app (${sgApp})`),
      expect.stringContaining(`2ops (${sgOps})`),
    ]);
    await page.getByRole("button", { name: `Move ${sgOps} up` }).click();
    // Assess: the order the API now holds, after a reload
    await poll(() => page.locator("table.bindings tbody tr").first().textContent()).toContain(
      `1ops (${sgOps})`,
    );
    await page.reload();
    await poll(() => page.locator("table.bindings tbody tr").allTextContents()).toEqual([
      expect.stringContaining(`1ops (${sgOps})`),
      expect.stringContaining(`2app (${sgApp})`),
    ]);
  });

  it("the provider accepts and rejects in batches, with each endpoint's result shown", async () => {
    // Prepare
    await signInAs("provider");
    await open(`#/services/${serviceId}/connections`);
    const row = page.locator(`[data-list="connections"] tr[data-key="${endpointId}"]`);
    await poll(() => row.textContent()).toContain("pending");
    // Act: reject with a reason, then accept
    await row.getByRole("checkbox").check();
    await page.getByLabel("Reason").fill("检查中 not yet");
    await page.getByRole("button", { name: "Reject selected" }).click();
    // Assess
    await poll(() => page.locator(`.results li[data-key="${endpointId}"]`).textContent()).toContain(
      "→ rejected",
    );
    await poll(() => row.textContent()).toContain("rejected");
    // Act
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await page.getByLabel("Reason").fill("");
    await page.getByRole("button", { name: "Accept selected" }).click();
    // Assess
    await poll(() => page.locator(`.results li[data-key="${endpointId}"]`).textContent()).toContain(
      "→ available",
    );
    await poll(() => row.textContent()).toContain("available");
    await accessible("service-connections");
    await shoot(page, "service-connections");
    // Act: the same batch accepted again; the per-item answer says why it did nothing
    await row.getByRole("checkbox").check();
    await page.getByRole("button", { name: "Accept selected" }).click();
    await poll(() => page.locator(`.results li[data-key="${endpointId}"]`).textContent()).toMatch(
      /available|\w+\.\w+/,
    );
    // The history, from the provider's side
    await row.getByRole("button", { name: "History" }).click();
    await poll(() => page.getByRole("dialog").locator("li").count()).toBe(3);
    await poll(() => page.getByRole("dialog").textContent()).toContain("检查中 not yet");
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  });

  it("the provider works the connections with the keyboard alone: navigate, select, reject, accept, history", async () => {
    // Prepare: signed in, on the list of services; from here on no mouse.
    await signInAs("provider");
    const row = page.locator(`[data-list="connections"] tr[data-key="${endpointId}"]`);
    const result = page.locator(`.results li[data-key="${endpointId}"]`);
    // Act: the main menu, the service, its connections tab
    await tabTo(
      page.getByRole("navigation", { name: /main/i }).getByRole("link", { name: "Endpoint services" }),
    );
    await page.keyboard.press("Enter");
    await tabTo(page.getByRole("link", { name: serviceId }));
    await page.keyboard.press("Enter");
    await tabTo(
      page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Connections" }),
    );
    await page.keyboard.press("Enter");
    await poll(() => row.textContent()).toContain("available");
    // Act: select the connection with Space, reject it with Enter
    await tabTo(row.getByRole("checkbox"));
    await page.keyboard.press("Space");
    await tabTo(page.getByRole("button", { name: "Reject selected" }));
    await page.keyboard.press("Enter");
    // Assess
    await poll(() => result.textContent()).toContain("→ rejected");
    await poll(() => row.textContent()).toContain("rejected");
    // Act: and accept it again, the same way
    await tabTo(row.getByRole("checkbox"));
    if (!(await row.getByRole("checkbox").isChecked())) await page.keyboard.press("Space");
    await tabTo(page.getByRole("button", { name: "Accept selected" }));
    await page.keyboard.press("Enter");
    await poll(() => result.textContent()).toContain("→ available");
    await poll(() => row.textContent()).toContain("available");
    // Act: the history opens with Enter and closes with Escape
    await tabTo(row.getByRole("button", { name: "History" }));
    await page.keyboard.press("Enter");
    await poll(() => page.getByRole("dialog").locator("li").count()).toBe(5);
    await page.keyboard.press("Escape");
    // Assess
    await poll(() => page.getByRole("dialog").count()).toBe(0);
  });

  it("the consumer sees the history, searches, and exports the endpoints as CSV", async () => {
    // Prepare
    await signInAs("consumer");
    // Act
    await open(`#/endpoints/${endpointId}`);
    // Assess: created pending, rejected, accepted; then rejected and accepted again by keyboard
    await poll(() => page.locator(".timeline li").allTextContents()).toEqual([
      expect.stringMatching(/created.*pending/),
      expect.stringMatching(/pending.*rejected/),
      expect.stringMatching(/rejected.*available/),
      expect.stringMatching(/available.*rejected/),
      expect.stringMatching(/rejected.*available/),
    ]);
    await poll(() => page.locator(".facts").textContent()).toContain("available");
    await accessible("endpoint-detail");
    await shoot(page, "endpoint-detail");
    // Act: search and column chooser
    await open("#/endpoints");
    await page.getByRole("searchbox").fill("支付");
    await page.getByRole("button", { name: "Search" }).click();
    await poll(() => page.locator('[data-list="endpoints"] tbody tr').count()).toBe(1);
    await page.getByText("Columns", { exact: true }).click();
    await page.getByRole("checkbox", { name: "Subnet" }).check();
    await poll(() => page.locator('[data-list="endpoints"] th').allTextContents()).toContain("Subnet");
    await page.getByText("Columns", { exact: true }).click();
    await accessible("endpoints");
    await shoot(page, "endpoints");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const file = await (await download).path();
    // Assess: the API's CSV, with the Chinese name intact
    const csv = await readFile(file, "utf8");
    expect(csv).toContain(endpointId);
    expect(csv).toContain("支付-endpoint");

    // Act: another region has none of it; back again
    await page.getByRole("combobox", { name: "Region" }).selectOption("ap-shanghai");
    // Assess
    await poll(() => page.locator("main .sub").textContent()).toBe("Region ap-shanghai");
    await poll(() => page.locator('[data-list="endpoints"] tbody').textContent()).toContain(
      "Nothing here yet",
    );
    await page.getByRole("combobox", { name: "Region" }).selectOption("ap-guangzhou");
    await poll(() => page.locator('[data-list="endpoints"] tbody tr').count()).toBe(1);
  });

  it("in AWS, downloads an export from the bucket under the console's CSP: the link, then a navigation", async () => {
    // Prepare: the API as in AWS, where this export is past the inline limit: the bucket (mocked; the
    // link is really signed) and, in the browser, S3 answering the signed URL as it would.
    const s3 = mockClient(S3Client);
    let uploaded: PutObjectCommandInput | undefined;
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      uploaded = input;
      return {};
    });
    useObjectStore(
      new S3Store(
        "linkplane-exports-test",
        new S3Client({
          region: "eu-west-3",
          credentials: { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "x" },
        }),
      ),
    );
    useInlineLimit(1);
    const { strict, strictPage, refused } = await underPolicy("#/endpoints");
    try {
      await strict.route("https://linkplane-exports-test.s3.eu-west-3.amazonaws.com/**", (route) => {
        const signed = new URL(route.request().url()).searchParams;
        return route.fulfill({
          status: 200,
          headers: {
            "content-type": signed.get("response-content-type") ?? "",
            "content-disposition": signed.get("response-content-disposition") ?? "",
          },
          body: uploaded?.Body as Buffer,
        });
      });
      await poll(() => strictPage.locator('[data-list="endpoints"] tbody tr').count()).toBe(1);
      // Act
      const download = strictPage.waitForEvent("download");
      await strictPage.getByRole("button", { name: "Export CSV" }).click();
      const saved = await download;
      // Assess: the file S3 served, named by the signed disposition; the page stayed; nothing refused.
      expect(uploaded?.Key).toMatch(/^downloads\/.+\/endpoints-ap-guangzhou-\d{4}-\d{2}-\d{2}\.csv$/);
      expect(saved.suggestedFilename()).toBe(uploaded?.Key?.split("/").at(-1));
      const csv = await readFile((await saved.path()) ?? "", "utf8");
      expect(csv).toContain(endpointId);
      expect(csv).toContain("支付-endpoint");
      expect(strictPage.url()).toBe(`${runtime.url}/console#/endpoints`);
      expect(await refused()).toEqual([]);
    } finally {
      await strict.close();
      useInlineLimit(undefined);
      useObjectStore(undefined);
      s3.restore();
    }
  });

  it("shows 24 h metrics from the data plane's samples and compares two periods", async () => {
    // Prepare: the data plane's samples for two days, sent through the API, then the hourly rollup.
    const now = Math.floor(Date.now() / 60_000) * 60;
    const samples = Array.from({ length: 48 * 12 }, (_, i) =>
      demoSample(endpointId, now - 60 - i * 300),
    ).filter((_, i) => i < 20 * 12 || i > 22 * 12); // two hours without samples: a gap
    for (let i = 0; i < samples.length; i += 500) {
      const r = await fetch(`${runtime.url}/v1/metrics/samples`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${Config.get().operatorToken}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ samples: samples.slice(i, i + 500) }),
      });
      expect(r.status).toBe(200);
      expect(((await r.json()) as { rejected: unknown[] }).rejected).toEqual([]);
    }
    await Rollup.run("hourly", { firstRunPeriods: 49 });
    // Act
    await open(`#/endpoints/${endpointId}/metrics`);
    const chart = page.locator('figure[data-metric="BandwidthIn"]');
    // Assess: a line in bit/s on a canvas, broken where the samples stop
    await poll(() => chart.locator("figcaption").textContent()).toContain("bit/s");
    expect(await chart.locator("canvas").count()).toBeGreaterThan(0);
    expect(await chart.getByRole("img").getAttribute("aria-label")).toMatch(/1 gap\(s\) without data/);
    const shown = await legendAcross(chart);
    expect(shown.some((v) => /^\d+(\.\d+)? [KMG]?bit\/s$/.test(v))).toBe(true);
    expect(shown).toContain("no data");
    await accessible("endpoint-metrics");
    await shoot(page, "endpoint-metrics");
    // Act: compare with the day before
    await page.getByLabel("Compare with another period").check();
    await page.getByRole("button", { name: "Show" }).click();
    // Assess
    await poll(() => chart.locator(".totals").textContent()).toMatch(/change [+-]\d+\.\d%/);
    const legend = chart.locator(".u-legend .u-series");
    await poll(() => legend.allTextContents()).toEqual([
      expect.stringContaining("Time"),
      expect.stringContaining("This period"),
      expect.stringMatching(/^From /),
    ]);
    expect((await legendAcross(chart, 2)).some((v) => v.endsWith("bit/s"))).toBe(true);
    // Assess: under the page's own Content-Security-Policy (this context does not bypass it, unlike the
    // one axe-core needs), uPlot draws the chart and the browser refuses nothing.
    const { strict, strictPage, refused } = await underPolicy(`#/endpoints/${endpointId}/metrics`);
    try {
      const strictChart = strictPage.locator('figure[data-metric="BandwidthIn"]');
      await poll(() => strictChart.locator("canvas").count()).toBeGreaterThan(0);
      await poll(() => strictChart.locator(".u-legend .u-series").count()).toBe(2);
      expect(await refused()).toEqual([]);
      // The watch is live: a style attribute in markup, which the policy forbids, is reported.
      await strictPage.evaluate('document.body.setAttribute("style", "outline: 1px solid red")');
      await poll(refused).toEqual([expect.stringMatching(/^style-src/)]);
    } finally {
      await strict.close();
    }
    await shoot(page, "endpoint-metrics-compare");
    // Act: export what is shown
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    expect(await readFile((await (await download).path()) ?? "", "utf8")).toContain("BandwidthIn");
  });

  it("the provider manages a webhook: secret shown once, test delivered, attempts and a retry", async () => {
    // Prepare
    await signInAs("provider");
    await open("#/webhooks");
    // Act
    const create = page.getByRole("form", { name: "Create webhook" });
    await create.getByLabel("URL").fill(receiver.url);
    await create.getByLabel("connection.requested").check();
    await create.getByRole("button", { name: "Create subscription" }).click();
    // Assess: the secret, once
    const secret = (await page.locator("[data-secret]").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "I have copied it" }).click();
    await accessible("webhooks");
    await shoot(page, "webhooks");
    // Act
    await page.locator('[data-list="webhooks"] tbody a').first().click();
    await page.getByRole("button", { name: "Send test" }).click();
    // Assess: delivered to the receiver, signed with that secret
    await poll(() => page.locator(".results-holder").textContent()).toContain("Test delivered: HTTP 204");
    expect(receiver.of("webhook.test")).toHaveLength(1);
    receiver.verifyAll(secret);
    await poll(() => page.locator('[data-list="webhook-messages"] tbody').textContent()).toContain(
      "delivered",
    );
    expect(await page.locator("body").textContent()).not.toContain(secret);
    // Act: its attempts, and a manual retry
    await page.getByRole("button", { name: "View attempts" }).first().click();
    await poll(() => page.getByRole("dialog").locator("tbody tr").count()).toBe(1);
    await page.getByRole("button", { name: "Retry now" }).click();
    await poll(() => page.locator("#toast").textContent()).toContain("Retried: delivered");
    expect(receiver.of("webhook.test")).toHaveLength(2);
    await accessible("webhook-detail");
    await shoot(page, "webhook-detail");
  });

  it("the provider renames, turns auto-accept on, edits the allowlist, rotates the secret and schedules an export", async () => {
    // Act: rename and auto-accept, each through its dialog
    await open(`#/services/${serviceId}`);
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByRole("dialog").getByLabel("Name").fill("支付服务v2");
    await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "支付服务v2" }).waitFor();
    await page.getByRole("button", { name: "Turn auto-accept on" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    // Assess
    await poll(() => page.locator(".facts").textContent()).toContain("Auto-acceptYes");

    // Act: the allowlist entry's description and connection limit, then its removal
    await page.getByRole("link", { name: "Allowlist" }).click();
    const entry = page.locator(`[data-list="allowlist"] tr[data-key="${people.consumer.uin}"]`);
    await entry.getByRole("button", { name: "Edit" }).click();
    await page.getByRole("dialog").getByLabel("Description").fill("结算 team");
    await page.getByRole("dialog").getByLabel("Connection limit").fill("5");
    await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    await poll(() => entry.textContent()).toMatch(/结算 team5/);
    await entry.getByRole("checkbox").check();
    await page.getByRole("button", { name: "Remove selected" }).click();
    // Assess: per-item result; the live connection stays, as "also reject" was not ticked
    await poll(() => page.locator(`.results li[data-key="${people.consumer.uin}"]`).textContent()).toContain(
      "removed, 0 connection(s) rejected",
    );

    // Act: the services list filtered by a tag no service has, then exported
    await open("#/services");
    await page.getByLabel("Tag filter").fill("env=none");
    await page.getByRole("button", { name: "Search" }).click();
    await poll(() => page.locator('[data-list="services"] tbody').textContent()).not.toContain(serviceId);
    const exported = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    // Assess: the file holds what the list shows, the header only
    const csv = await readFile((await (await exported).path()) ?? "", "utf8");
    expect(csv).toMatch(/^\uFEFFid,/);
    expect(csv).not.toContain(serviceId);

    // Act: a new secret for the webhook, shown once again
    await open("#/webhooks");
    await page.locator('[data-list="webhooks"] tbody a').first().click();
    await page.getByRole("button", { name: "Rotate secret" }).click();
    // Assess
    expect((await page.locator("[data-secret]").textContent()) ?? "").toMatch(/^whsec_/);
    await page.getByRole("button", { name: "I have copied it" }).click();

    // Act: a daily export of every resource, then paused
    await open("#/exports");
    const form = page.getByRole("form", { name: "Create metric export" });
    await form.getByLabel("Name").fill("nightly");
    await form.getByRole("button", { name: "Schedule export" }).click();
    const row = page.locator('[data-list="metric-exports"] tbody tr').first();
    await poll(() => row.textContent()).toContain("active");
    await row.getByRole("button", { name: "Pause" }).click();
    // Assess
    await poll(() => row.textContent()).toContain("paused");
    await accessible("exports");
    await shoot(page, "exports");
    await row.getByRole("button", { name: "Runs" }).click();
    await poll(() => page.getByRole("dialog").textContent()).toContain("No run yet");
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  });

  it("the provider deletes the service after rejecting the live connection; the consumer deletes the endpoint", async () => {
    // Prepare
    await open(`#/services/${serviceId}/metrics`);
    await page.locator('figure[data-metric="ConnectedEndpoints"]').waitFor();
    await accessible("service-metrics");
    await shoot(page, "service-metrics");
    await open(`#/services/${serviceId}`);
    // Act: plain delete is refused while connected
    await page.getByRole("button", { name: "Delete" }).click();
    const dlg = page.getByRole("dialog", { name: "Delete endpoint service" });
    await dlg.getByRole("button", { name: "Delete" }).click();
    await poll(() => dlg.getByRole("alert").textContent()).toContain("ResourceInUse");
    await dlg.getByLabel("Reject the live connections first, then delete").check();
    await dlg.getByRole("button", { name: "Delete" }).click();
    // Assess
    await page.getByRole("heading", { name: "Endpoint services" }).waitFor();
    await poll(() => page.locator('[data-list="services"] tbody').textContent()).toContain(
      "Nothing here yet",
    );
    // Act: the consumer's endpoint stays, rejected, until its owner deletes it
    await signInAs("consumer");
    await open(`#/endpoints/${endpointId}`);
    await poll(() => page.locator(".facts").textContent()).toContain("deleted by its provider");
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Endpoints" }).waitFor();
    await poll(() => page.locator('[data-list="endpoints"] tbody').textContent()).toContain(
      "Nothing here yet",
    );
  });

  it("works in a narrow window", async () => {
    // Prepare
    await page.setViewportSize({ width: 390, height: 800 });
    // Act
    await open("#/inventory/security-groups");
    await page.locator('[data-list="inventory-security-groups"] tbody tr').first().waitFor();
    // Assess: nothing wider than the window but the scrolling tables
    const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow as number).toBeLessThanOrEqual(0);
    await shoot(page, "narrow-inventory");
  });
});
