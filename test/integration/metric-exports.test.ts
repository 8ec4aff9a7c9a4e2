import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FolderStore, type ObjectStore, useObjectStore } from "../../core/storage/index.ts";
import { S3Store } from "../../core/storage/s3.ts";
import { Clock } from "../../core/util/time.ts";
import { call, created, newTenant, operatorAuth } from "../support/api.ts";
import { atInstant, halfPastHour, installSuiteClock, nowSeconds, startClock } from "../support/clock.ts";
import {
  allow,
  type Consumer,
  consumer,
  decide,
  endpoint,
  provider,
  service,
} from "../support/privatelink.ts";

const HOUR = 3600;
// The job exports the last complete hour: the file's clock starts at half past an hour, so the period
// computed here is still the job's when it runs, whatever minute the suite runs at.
startClock(halfPastHour());
afterAll(installSuiteClock);
const now = nowSeconds();
// The period the job exports now: the last complete hour (with its 5-minute grace).
const period = now - 300 - ((now - 300) % HOUR) - HOUR;

/** A folder store that can be told to fail its next writes. */
class FlakyStore implements ObjectStore {
  failures = 0;
  readonly inner = new FolderStore(mkdtempSync(join(tmpdir(), "lp-exports-")));
  async put(...args: Parameters<ObjectStore["put"]>) {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("storage is unavailable");
    }
    return this.inner.put(...args);
  }
  get(key: string) {
    return this.inner.get(key);
  }
}
const store = new FlakyStore();

let c: Consumer;
let eps: string[];
beforeAll(async () => {
  useObjectStore(store);
  const p = await provider();
  c = await consumer();
  const s = await service(p);
  await allow(p, s.id, c.uin);
  eps = [(await created(endpoint(c, s.id))).id, (await created(endpoint(c, s.id))).id].sort();
  await decide(p, s.id, "accept", eps);
  await call("POST", "/v1/metrics/samples", {
    auth: operatorAuth(),
    body: {
      samples: [
        { resourceId: eps[0], timestamp: period, metrics: { BytesIn: 100, ActiveConnections: 2 } },
        { resourceId: eps[0], timestamp: period + 60, metrics: { BytesIn: 300 } },
        { resourceId: eps[1], timestamp: period + 120, metrics: { BytesIn: 7 } },
      ],
    },
  });
});
afterAll(() => useObjectStore(undefined));

const runJob = () => call("POST", "/v1/operator/jobs/metric-exports/run", { auth: operatorAuth() });

/** An hourly export of one endpoint, run once: its run and the path of the run's file. */
async function exportedFile(name: string, format: "csv" | "ndjson") {
  const exp = await created(
    call("POST", "/v1/metric-exports", {
      auth: c.auth,
      body: { name, resources: [eps[0]], granularity: "1h", format, schedule: "hourly" },
    }),
  );
  await runJob();
  const run = (await call("GET", `/v1/metric-exports/${exp.id}/runs`, { auth: c.auth })).body.items[0];
  return { exp, run, path: `/v1/metric-exports/${exp.id}/runs/${run.runId}/file` };
}

/** The store the functions have in AWS: the bucket (signing needs no network). */
function useBucket() {
  useObjectStore(
    new S3Store(
      "linkplane-exports-test",
      new S3Client({
        region: "ap-guangzhou",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" },
      }),
    ),
  );
}

describe("scheduled metric exports", () => {
  it("validates, lists, gets, pauses and deletes", async () => {
    const bad = await call("POST", "/v1/metric-exports", {
      auth: c.auth,
      body: { name: "x", resources: "all", granularity: "1d", format: "csv", schedule: "hourly" },
    });
    expect(bad.body.error).toMatchObject({ code: "InvalidParameterValue", field: "granularity" });
    const exp = await created(
      call("POST", "/v1/metric-exports", {
        auth: c.auth,
        body: { name: "x", resources: "all", granularity: "1h", format: "csv", schedule: "daily" },
      }),
    );
    expect(exp).toMatchObject({
      id: expect.stringMatching(/^mexp-/),
      status: "active",
      metrics: expect.arrayContaining(["BytesIn"]),
    });
    expect(
      (await call("GET", "/v1/metric-exports", { auth: c.auth })).body.items.map((e: { id: string }) => e.id),
    ).toContain(exp.id);
    expect(
      (await call("PATCH", `/v1/metric-exports/${exp.id}`, { auth: c.auth, body: { status: "paused" } })).body
        .status,
    ).toBe("paused");
    expect((await call("DELETE", `/v1/metric-exports/${exp.id}`, { auth: c.auth })).status).toBe(204);
    expect((await call("GET", `/v1/metric-exports/${exp.id}`, { auth: c.auth })).status).toBe(404);
  });

  it("writes one file per period, records the run, serves it with a matching SHA-256, and never writes it twice", async () => {
    // Prepare
    const exp = await created(
      call("POST", "/v1/metric-exports", {
        auth: c.auth,
        body: {
          name: "hourly",
          resources: eps,
          metrics: ["BytesIn", "ActiveConnections"],
          granularity: "1h",
          format: "csv",
          schedule: "hourly",
        },
      }),
    );
    // Act
    const first = await runJob();
    const second = await runJob();
    // Assess
    expect(first.body.outcome.status).toBe("succeeded");
    const runs = (await call("GET", `/v1/metric-exports/${exp.id}/runs`, { auth: c.auth })).body.items;
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run).toMatchObject({
      status: "succeeded",
      rows: 2,
      periodFrom: new Date(period * 1000).toISOString(),
      periodTo: new Date((period + HOUR) * 1000).toISOString(),
      error: null,
      attempts: 1,
    });
    expect(second.body.outcome.summary.written).toBe(0);
    const file = await call("GET", `/v1/metric-exports/${exp.id}/runs/${run.runId}/file`, { auth: c.auth });
    expect(file.status).toBe(200);
    expect(createHash("sha256").update(file.text, "utf8").digest("hex")).toBe(run.sha256);
    expect(Buffer.byteLength(file.text)).toBe(run.bytes);
    const rows = parse(file.text, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.resourceId)).toEqual(eps);
    expect(rows[0]).toMatchObject({
      time: new Date(period * 1000).toISOString(),
      BytesIn_sum: "400",
      BytesIn_min: "100",
      BytesIn_max: "300",
      BytesIn_count: "2",
      ActiveConnections_sum: "2",
    });
    expect(rows[1]).toMatchObject({ BytesIn_sum: "7", ActiveConnections_sum: "" });
  });

  it("gives the same bytes for the same period exported twice", async () => {
    const body = { name: "twin", resources: eps, granularity: "1h", format: "ndjson", schedule: "hourly" };
    const a = await created(call("POST", "/v1/metric-exports", { auth: c.auth, body }));
    const b = await created(call("POST", "/v1/metric-exports", { auth: c.auth, body }));
    await runJob();
    const [ra, rb] = await Promise.all(
      [a, b].map(
        async (e) => (await call("GET", `/v1/metric-exports/${e.id}/runs`, { auth: c.auth })).body.items[0],
      ),
    );
    expect(ra.sha256).toBe(rb.sha256);
    const lines = (
      await call("GET", `/v1/metric-exports/${a.id}/runs/${ra.runId}/file`, { auth: c.auth })
    ).text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      resourceId: eps[0],
      metrics: { BytesIn: { sum: 400, min: 100, max: 300, count: 2 } },
    });
  });

  it("records a failed run with its reason and retries it on the next tick", async () => {
    const exp = await created(
      call("POST", "/v1/metric-exports", {
        auth: c.auth,
        body: { name: "flaky", resources: [eps[0]], granularity: "1h", format: "csv", schedule: "hourly" },
      }),
    );
    store.failures = 1;
    await runJob();
    const failed = (await call("GET", `/v1/metric-exports/${exp.id}/runs`, { auth: c.auth })).body.items[0];
    expect(failed).toMatchObject({
      status: "failed",
      error: "storage is unavailable",
      objectKey: null,
      attempts: 1,
    });
    expect(
      (await call("GET", `/v1/metric-exports/${exp.id}/runs/${failed.runId}/file`, { auth: c.auth })).status,
    ).toBe(404);
    await runJob();
    const retried = (await call("GET", `/v1/metric-exports/${exp.id}/runs`, { auth: c.auth })).body.items;
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ status: "succeeded", attempts: 2, rows: 1 });
  });

  it("makes up periods missed while the job was down, and two overlapping ticks write each once", async () => {
    // Prepare
    const exp = await created(
      call("POST", "/v1/metric-exports", {
        auth: c.auth,
        body: { name: "catch-up", resources: [eps[1]], granularity: "1h", format: "csv", schedule: "hourly" },
      }),
    );
    const { MetricExportFiles } = await import("../../core/metrics/export-files.ts");
    // Act: two ticks at once, then one three hours later (the job was down for the two between).
    await Promise.all([runJob(), runJob()]);
    await MetricExportFiles.runDue(new Date(Clock.now() + 3 * HOUR * 1000));
    // Assess
    const runs = (await call("GET", `/v1/metric-exports/${exp.id}/runs?limit=100`, { auth: c.auth })).body
      .items;
    expect(runs.map((r: { periodFrom: string }) => r.periodFrom).sort()).toEqual(
      [0, 1, 2, 3].map((i) => new Date((period + i * HOUR) * 1000).toISOString()),
    );
    expect(
      runs.every((r: { status: string; attempts: number }) => r.status === "succeeded" && r.attempts === 1),
    ).toBe(true);
  });

  it("does not run paused exports", async () => {
    const exp = await created(
      call("POST", "/v1/metric-exports", {
        auth: c.auth,
        body: { name: "paused", resources: [eps[0]], granularity: "1h", format: "csv", schedule: "hourly" },
      }),
    );
    await call("PATCH", `/v1/metric-exports/${exp.id}`, { auth: c.auth, body: { status: "paused" } });
    await runJob();
    expect((await call("GET", `/v1/metric-exports/${exp.id}/runs`, { auth: c.auth })).body.items).toEqual([]);
  });

  it("refuses to export another account's resources", async () => {
    const stranger = await newTenant();
    const reply = await call("POST", "/v1/metric-exports", {
      auth: stranger.auth,
      body: { name: "theirs", resources: [eps[0]], granularity: "1h", format: "csv", schedule: "hourly" },
    });
    expect(reply.status).toBe(404);
    expect(reply.body.error).toMatchObject({ code: "ResourceNotFound", field: "resources" });
  });

  it("keeps exports, runs and files to their owner", async () => {
    const exp = await created(
      call("POST", "/v1/metric-exports", {
        auth: c.auth,
        body: { name: "mine", resources: [eps[0]], granularity: "1h", format: "csv", schedule: "hourly" },
      }),
    );
    await runJob();
    const run = (await call("GET", `/v1/metric-exports/${exp.id}/runs`, { auth: c.auth })).body.items[0];
    const stranger = await newTenant();
    for (const path of [
      `/v1/metric-exports/${exp.id}`,
      `/v1/metric-exports/${exp.id}/runs`,
      `/v1/metric-exports/${exp.id}/runs/${run.runId}/file`,
    ]) {
      expect((await call("GET", path, { auth: stranger.auth })).status).toBe(404);
    }
    expect((await call("GET", "/v1/metric-exports", { auth: stranger.auth })).body.items).toEqual([]);
  });

  it("in AWS, answers a run's file with 303 to a short-lived presigned URL of its object, and only to its owner", async () => {
    // Prepare: a run written to the folder store; then the store the functions have in AWS, the bucket.
    const { exp, run, path } = await exportedFile("linked", "ndjson");
    const stranger = await newTenant();
    useBucket();
    try {
      // Act
      const reply = await call("GET", path, { auth: c.auth });
      const theirs = await call("GET", path, { auth: stranger.auth });
      // Assess: S3 serves the object (no size limit), named as the route names it.
      expect(reply.status).toBe(303);
      expect(reply.headers.get("x-content-sha256")).toBe(run.sha256);
      const url = new URL(reply.headers.get("location") ?? "");
      expect(url.host).toBe("linkplane-exports-test.s3.ap-guangzhou.amazonaws.com");
      expect(url.pathname).toBe(`/${run.objectKey}`);
      expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
      expect(url.searchParams.get("response-content-type")).toBe("application/x-ndjson");
      expect(url.searchParams.get("response-content-disposition")).toBe(
        `attachment; filename="${exp.id}-${run.runId}.ndjson"`,
      );
      expect(theirs.status).toBe(404);
      expect(reply.headers.get("linkplane-download")).toBeNull();
    } finally {
      useObjectStore(store);
    }
  });

  it("in AWS, with download=link, answers 200 with the same presigned URL as JSON instead, and only to its owner", async () => {
    // Prepare: a run written to the folder store; then the bucket, with the clock stopped on a second.
    const { exp, run, path } = await exportedFile("linked-json", "csv");
    const stranger = await newTenant();
    const at = Math.floor(Clock.now() / 1000) * 1000;
    useBucket();
    try {
      // Act
      const [plain, linked, theirs, bad] = await atInstant(at, async () => [
        await call("GET", path, { auth: c.auth }),
        await call("GET", `${path}?download=link`, { auth: c.auth }),
        await call("GET", `${path}?download=link`, { auth: stranger.auth }),
        await call("GET", `${path}?download=yes`, { auth: c.auth }),
      ]);
      // Assess: the link the 303 would have sent, as JSON, with what it downloads as and until when.
      expect(linked?.status).toBe(200);
      expect(linked?.headers.get("linkplane-download")).toBe("link");
      expect(linked?.headers.get("content-type")).toMatch(/^application\/json/);
      expect(linked?.headers.get("cache-control")).toBe("no-store");
      expect(linked?.headers.get("x-content-sha256")).toBe(run.sha256);
      expect(linked?.headers.get("location")).toBeNull();
      const filename = `${exp.id}-${run.runId}.csv`;
      expect(linked?.body).toEqual({
        url: plain?.headers.get("location"),
        filename,
        contentType: "text/csv; charset=utf-8",
        expiresAt: new Date(at + 900_000).toISOString(),
      });
      const url = new URL(linked?.body.url);
      expect(url.host).toBe("linkplane-exports-test.s3.ap-guangzhou.amazonaws.com");
      expect(url.pathname).toBe(`/${run.objectKey}`);
      expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
      expect(url.searchParams.get("response-content-type")).toBe("text/csv; charset=utf-8");
      expect(url.searchParams.get("response-content-disposition")).toBe(`attachment; filename="${filename}"`);
      // Without the parameter nothing changed: still the 303 of the test above.
      expect(plain?.status).toBe(303);
      expect(theirs?.status).toBe(404);
      expect(bad?.status).toBe(400);
      expect(bad?.body.error).toMatchObject({
        code: expect.stringMatching(/^InvalidParameterValue/),
        field: "download",
      });
    } finally {
      useObjectStore(store);
    }
  });

  it("locally, with download=link, streams the file as without it", async () => {
    // Prepare
    const { exp, run, path } = await exportedFile("local-link", "csv");
    // Act
    const plain = await call("GET", path, { auth: c.auth });
    const linked = await call("GET", `${path}?download=link`, { auth: c.auth });
    // Assess
    expect(linked.status).toBe(200);
    expect(linked.headers.get("linkplane-download")).toBeNull();
    expect(linked.headers.get("content-type")).toBe(plain.headers.get("content-type"));
    expect(linked.headers.get("content-disposition")).toBe(
      `attachment; filename="${exp.id}-${run.runId}.csv"`,
    );
    expect(linked.text).toBe(plain.text);
    expect(createHash("sha256").update(linked.text).digest("hex")).toBe(run.sha256);
  });
});
