import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import * as Credential from "../../core/credential/index.ts";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { call, created, newTenant, operatorAuth } from "../support/api.ts";

describe("operator: accounts", () => {
  it("creates an account with an assigned numeric UIN and AppId", async () => {
    // Act
    const reply = await call("POST", "/v1/operator/accounts", {
      auth: operatorAuth(),
      body: { name: "acme" },
    });
    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ name: "acme", uin: expect.stringMatching(/^[1-9]\d{11}$/) });
    expect(reply.body.appId).toMatch(/^[1-9]\d{9}$/);
    expect(Date.parse(reply.body.createdAt)).not.toBeNaN();
  });

  it("takes an optional body and a given UIN, and refuses the same UIN twice", async () => {
    // Prepare
    const uin = `1${Date.now()}`;
    // Act
    const first = await call("POST", "/v1/operator/accounts", { auth: operatorAuth(), body: { uin } });
    const again = await call("POST", "/v1/operator/accounts", { auth: operatorAuth(), body: { uin } });
    const bare = await call("POST", "/v1/operator/accounts", { auth: operatorAuth() });
    // Assess
    expect(first.status).toBe(201);
    expect(first.body.uin).toBe(uin);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("ResourceInUse");
    expect(bare.status).toBe(201);
  });

  it("lists newest first with a cursor, and gets one", async () => {
    // Prepare
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(
        await created(
          call("POST", "/v1/operator/accounts", { auth: operatorAuth(), body: { name: `l${i}` } }),
        ),
      );
    // Act
    const first = await call("GET", "/v1/operator/accounts?limit=2", { auth: operatorAuth() });
    const second = await call("GET", `/v1/operator/accounts?limit=2&cursor=${first.body.nextCursor}`, {
      auth: operatorAuth(),
    });
    const one = await call("GET", `/v1/operator/accounts/${made[0].uin}`, { auth: operatorAuth() });
    // Assess
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].uin).toBe(made[2].uin);
    expect(first.body.items[1].uin).toBe(made[1].uin);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(second.body.items[0].uin).toBe(made[0].uin);
    expect(one.body).toEqual(made[0]);
  });

  it("answers 404 for an unknown account and 400 for a malformed UIN", async () => {
    const missing = await call("GET", "/v1/operator/accounts/99999999999", { auth: operatorAuth() });
    const malformed = await call("POST", "/v1/operator/accounts", {
      auth: operatorAuth(),
      body: { uin: "abc" },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("ResourceNotFound");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: "InvalidParameterValue.Malformed", field: "uin" });
  });

  it("refuses the operator API without the operator token, or with an account credential", async () => {
    const tenant = await newTenant();
    const none = await call("GET", "/v1/operator/accounts");
    const wrong = await call("GET", "/v1/operator/accounts", { auth: "Bearer not-the-token" });
    const asTenant = await call("GET", "/v1/operator/accounts", { auth: tenant.auth });
    for (const reply of [none, wrong, asTenant]) {
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe("AuthFailure.InvalidAuthorization");
    }
  });
});

describe("operator: credentials", () => {
  it("shows the SecretKey once, at creation, and never in a listing", async () => {
    // Prepare
    const tenant = await newTenant();
    // Act
    const list = await call("GET", `/v1/operator/accounts/${tenant.uin}/credentials`, {
      auth: operatorAuth(),
    });
    // Assess
    expect(tenant.secretId).toMatch(/^AKID[A-Za-z0-9]{32}$/);
    expect(tenant.secretKey).toHaveLength(32);
    expect(list.body.items).toEqual([
      { secretId: tenant.secretId, ownerUin: tenant.uin, status: "enabled", createdAt: expect.any(String) },
    ]);
    expect(list.text).not.toContain(tenant.secretKey);
  });

  it("keeps the SecretKey sealed at rest: the stored item never holds it in the clear", async () => {
    // Prepare
    const tenant = await newTenant();
    // Act
    const stored = (
      await Db.client().send(
        new GetCommand({
          TableName: Db.table(),
          Key: Keys.credential(tenant.secretId),
          ConsistentRead: true,
        }),
      )
    ).Item;
    // Assess
    expect(stored?.sealedKey).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(tenant.secretKey);
  });

  it("authenticates REST calls with Bearer SecretId:SecretKey", async () => {
    const tenant = await newTenant();
    const ok = await call("GET", "/v1/vpcs", { auth: tenant.auth });
    const badKey = await call("GET", "/v1/vpcs", { auth: `Bearer ${tenant.secretId}:${"x".repeat(32)}` });
    const noColon = await call("GET", "/v1/vpcs", { auth: `Bearer ${tenant.secretId}` });
    const none = await call("GET", "/v1/vpcs");
    expect(ok.status).toBe(200);
    expect(badKey.status).toBe(401);
    expect(badKey.body.error.code).toBe("AuthFailure.SignatureFailure");
    expect(noColon.body.error.code).toBe("AuthFailure.InvalidAuthorization");
    expect(none.body.error.code).toBe("AuthFailure.InvalidAuthorization");
  });

  it("stops a disabled credential at once and lets it back in when enabled", async () => {
    // Prepare
    const tenant = await newTenant();
    const path = `/v1/operator/accounts/${tenant.uin}/credentials/${tenant.secretId}`;
    expect((await call("GET", "/v1/vpcs", { auth: tenant.auth })).status).toBe(200);
    // Act
    const disabled = await call("PATCH", path, { auth: operatorAuth(), body: { status: "disabled" } });
    const refused = await call("GET", "/v1/vpcs", { auth: tenant.auth });
    await call("PATCH", path, { auth: operatorAuth(), body: { status: "enabled" } });
    const back = await call("GET", "/v1/vpcs", { auth: tenant.auth });
    // Assess
    expect(disabled.body.status).toBe("disabled");
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("AuthFailure.SecretIdNotFound");
    expect(back.status).toBe(200);
  });

  it("sees a change made by another process within the cache lifetime", async () => {
    // Prepare: the credential is cached by a successful call, then disabled behind this process's back.
    const tenant = await newTenant();
    expect((await call("GET", "/v1/vpcs", { auth: tenant.auth })).status).toBe(200);
    const { UpdateCommand } = await import("@aws-sdk/lib-dynamodb");
    const { Db } = await import("../../core/db/client.ts");
    const Keys = await import("../../core/db/keys.ts");
    await Db.client().send(
      new UpdateCommand({
        TableName: Db.table(),
        Key: Keys.credential(tenant.secretId),
        UpdateExpression: "SET #s = :d",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":d": "disabled" },
      }),
    );
    // Act: once the cache lifetime has passed (simulated by clearing it), the change is seen.
    Credential.clearCache();
    const refused = await call("GET", "/v1/vpcs", { auth: tenant.auth });
    // Assess
    expect(refused.status).toBe(401);
  });

  it("deletes a credential, after which it no longer authenticates", async () => {
    const tenant = await newTenant();
    const path = `/v1/operator/accounts/${tenant.uin}/credentials/${tenant.secretId}`;
    const deleted = await call("DELETE", path, { auth: operatorAuth() });
    const again = await call("DELETE", path, { auth: operatorAuth() });
    const refused = await call("GET", "/v1/vpcs", { auth: tenant.auth });
    expect(deleted.status).toBe(204);
    expect(again.status).toBe(404);
    expect(refused.status).toBe(401);
  });

  it("does not let one account's path manage another account's credential", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const reply = await call("PATCH", `/v1/operator/accounts/${b.uin}/credentials/${a.secretId}`, {
      auth: operatorAuth(),
      body: { status: "disabled" },
    });
    expect(reply.status).toBe(404);
    expect((await call("GET", "/v1/vpcs", { auth: a.auth })).status).toBe(200);
  });

  it("caps credentials per account with a conditional counter", async () => {
    // Prepare
    const tenant = await newTenant();
    const path = `/v1/operator/accounts/${tenant.uin}/credentials`;
    // Act: ten at once against a quota of five, one already used.
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => call("POST", path, { auth: operatorAuth() })),
    );
    // Assess
    const createdCount = replies.filter((r) => r.status === 201).length;
    expect(createdCount).toBe(Credential.MAX_PER_ACCOUNT - 1);
    expect(replies.filter((r) => r.status === 409).every((r) => r.body.error.code === "LimitExceeded")).toBe(
      true,
    );
    const list = await call("GET", `${path}?limit=100`, { auth: operatorAuth() });
    expect(list.body.items).toHaveLength(Credential.MAX_PER_ACCOUNT);
  });

  it("answers 404 when creating a credential for an unknown account", async () => {
    const reply = await call("POST", "/v1/operator/accounts/99999999998/credentials", {
      auth: operatorAuth(),
    });
    expect(reply.status).toBe(404);
  });
});
