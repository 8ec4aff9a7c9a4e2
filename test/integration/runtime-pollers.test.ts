import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";
import { Heartbeat } from "../../core/system/heartbeat.ts";
import { type LocalRuntime, startLocal } from "../../infra/local/runtime.ts";
import { until } from "../support/wait.ts";

let runtime: LocalRuntime;

beforeAll(async () => {
  // Long idle waits, so that only a wake can make the stream work prompt.
  runtime = await startLocal({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "lp-pollers-")),
    dynamodbEndpoint: Config.get().dynamodbEndpoint,
    tableName: Config.get().tableName,
    scheduler: false,
    pollIntervalMs: 500,
    idlePollMaxMs: 60_000,
  });
});
afterAll(() => runtime.stop());

describe("the local runtime's stream pollers", () => {
  it("back off while idle, and a write this process makes is handled without waiting out the back-off", async () => {
    // Prepare: idle long enough that the next pass is seconds away (waits of 0.5, 1, 2, then 4 s)
    await runtime.poller.idle();
    await new Promise((r) => setTimeout(r, 3_500));
    // Act
    const beatAt = await Heartbeat.beat(new Date());
    // Assess: the stream consumer observed the beat
    await until(
      async () => {
        const status = await Heartbeat.status();
        return status.beatAt === beatAt && status.seenAt !== null;
      },
      2_000,
      "the beat's observation",
    );
    expect((await Heartbeat.status()).beatAt).toBe(beatAt);
  });
});
