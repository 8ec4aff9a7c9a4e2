import { describe, expect, it } from "vitest";
import { handled } from "../../infra/local/handled.ts";

describe("handled", () => {
  it("keeps a rejection nobody awaits yet from being unhandled, and still rejects for whoever awaits", async () => {
    // Prepare / Act: a rejected promise, left alone past the turn in which Node reports unhandled ones
    // (vitest fails the run on an unhandled rejection).
    const ready = handled(Promise.reject(new Error("the stream poller stopped")));
    await new Promise((r) => setTimeout(r, 20));
    // Assess
    await expect(ready).rejects.toThrow("the stream poller stopped");
  });
});
