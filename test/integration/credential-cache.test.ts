import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import * as Credential from "../../core/credential/index.ts";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { newTenant } from "../support/api.ts";
import { frozen } from "../support/clock.ts";
import { withEnv } from "../support/env.ts";

/** What another process (another Lambda) does: it changes the item, and this process's cache is not told. */
async function disabledElsewhere(secretId: string): Promise<void> {
  await Db.client().send(
    new UpdateCommand({
      TableName: Db.table(),
      Key: Keys.credential(secretId),
      UpdateExpression: "SET #status = :disabled",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":disabled": "disabled" },
    }),
  );
}

describe("the credential cache", () => {
  withEnv({ LINKPLANE_AUTH_CACHE_SECONDS: "5" });
  afterEach(() => Credential.clearCache());

  it("sees a credential disabled by another process once its 5 seconds are up, and not before", async () => {
    // Prepare: the clock stopped, a credential used once (so cached), then disabled elsewhere.
    const clock = frozen();
    try {
      const { secretId, secretKey } = await newTenant("cache");
      await Credential.authenticate(secretId, secretKey);
      await disabledElsewhere(secretId);
      // Act
      clock.advance(4_999);
      const withinCache = await Credential.authenticate(secretId, secretKey).then(
        () => "accepted",
        () => "refused",
      );
      clock.advance(1);
      const afterCache = Credential.authenticate(secretId, secretKey);
      // Assess
      expect(withinCache).toBe("accepted");
      await expect(afterCache).rejects.toMatchObject({ code: "AuthFailure.SecretIdNotFound" });
    } finally {
      clock.release();
    }
  });
});
