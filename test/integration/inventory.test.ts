import { afterEach, describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import { call, created, newTenant, type Tenant } from "../support/api.ts";
import { type Interposed, interpose } from "../support/interpose.ts";

let hook: Interposed | undefined;
afterEach(() => hook?.restore());

async function vpc(t: Tenant, cidrBlock = "10.0.0.0/16", region = "ap-guangzhou") {
  return created(call("POST", "/v1/vpcs", { auth: t.auth, body: { region, name: "vpc", cidrBlock } }));
}
async function subnet(t: Tenant, vpcId: string, cidrBlock: string, zone = "ap-guangzhou-3") {
  return call("POST", "/v1/subnets", { auth: t.auth, body: { vpcId, zone, name: "subnet", cidrBlock } });
}

describe("VPCs", () => {
  it("creates, gets, renames and deletes a VPC", async () => {
    // Prepare
    const t = await newTenant();
    // Act
    const made = await vpc(t);
    const got = await call("GET", `/v1/vpcs/${made.id}`, { auth: t.auth });
    const renamed = await call("PATCH", `/v1/vpcs/${made.id}`, { auth: t.auth, body: { name: "生产网络" } });
    const deleted = await call("DELETE", `/v1/vpcs/${made.id}`, { auth: t.auth });
    const gone = await call("GET", `/v1/vpcs/${made.id}`, { auth: t.auth });
    // Assess
    expect(made).toMatchObject({
      id: expect.stringMatching(/^vpc-[0-9a-z]{8}$/),
      region: "ap-guangzhou",
      cidrBlock: "10.0.0.0/16",
      ownerUin: t.uin,
      subnetCount: 0,
    });
    expect(got.body).toEqual(made);
    expect(renamed.body.name).toBe("生产网络");
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
  });

  it.each([
    ["10.0.0.0/15", "InvalidParameterValue", "prefix"],
    ["10.0.0.0/29", "InvalidParameterValue", "prefix"],
    ["10.0.0.1/16", "InvalidParameterValue.Malformed", "host bits"],
    ["8.8.0.0/16", "InvalidParameterValue", "10.0.0.0/8"],
    ["10.0.0/16", "InvalidParameterValue.Malformed", "CIDR"],
    ["010.0.0.0/16", "InvalidParameterValue.Malformed", "CIDR"],
  ])("refuses cidrBlock %s with %s", async (cidrBlock, code, words) => {
    const t = await newTenant();
    const reply = await call("POST", "/v1/vpcs", {
      auth: t.auth,
      body: { region: "ap-guangzhou", name: "v", cidrBlock },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code, field: "cidrBlock" });
    expect(reply.body.error.message).toContain(words);
  });

  it("lists per region newest first and across regions, with cursors", async () => {
    // Prepare
    const t = await newTenant();
    const a = await vpc(t, "10.1.0.0/16");
    const b = await vpc(t, "10.2.0.0/16");
    const c = await vpc(t, "10.3.0.0/16", "ap-shanghai");
    // Act
    const gz = await call("GET", "/v1/vpcs?region=ap-guangzhou", { auth: t.auth });
    const page1 = await call("GET", "/v1/vpcs?limit=2", { auth: t.auth });
    const page2 = await call("GET", `/v1/vpcs?limit=2&cursor=${page1.body.nextCursor}`, { auth: t.auth });
    // Assess
    expect(gz.body.items.map((v: { id: string }) => v.id)).toEqual([b.id, a.id]);
    expect(gz.body.nextCursor).toBeNull();
    expect(page1.body.items.map((v: { id: string }) => v.id)).toEqual([c.id, b.id]);
    expect(page2.body.items.map((v: { id: string }) => v.id)).toEqual([a.id]);
  });

  it("refuses a forged cursor and a cursor from another listing", async () => {
    const t = await newTenant();
    const other = await newTenant();
    await vpc(other, "10.1.0.0/16");
    await vpc(other, "10.2.0.0/16");
    const theirs = await call("GET", "/v1/vpcs?limit=1", { auth: other.auth });
    const stolen = await call("GET", `/v1/vpcs?limit=1&cursor=${theirs.body.nextCursor}`, { auth: t.auth });
    const garbage = await call("GET", "/v1/vpcs?cursor=bm90LWpzb24", { auth: t.auth });
    for (const reply of [stolen, garbage]) {
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({ code: "InvalidParameterValue", field: "cursor" });
    }
  });

  it("refuses to delete a VPC that has subnets or backends, naming them", async () => {
    const t = await newTenant();
    const v = await vpc(t);
    const s = await created(subnet(t, v.id, "10.0.1.0/24"));
    await created(
      call("POST", "/v1/backend-instances", {
        auth: t.auth,
        body: { type: "CDB", vpcId: v.id, vip: "10.0.1.5", port: 3306, name: "db" },
      }),
    );
    const refused = await call("DELETE", `/v1/vpcs/${v.id}`, { auth: t.auth });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("ResourceInUse");
    expect(refused.body.error.message).toContain("1 subnet(s)");
    expect(refused.body.error.message).toContain("1 backend instance(s)");
    expect((await call("GET", `/v1/vpcs/${v.id}`, { auth: t.auth })).body.subnetCount).toBe(1);
    expect((await call("DELETE", `/v1/subnets/${s.id}`, { auth: t.auth })).status).toBe(204);
  });
});

describe("subnets", () => {
  it("creates a subnet inside the VPC in a zone of its region", async () => {
    const t = await newTenant();
    const v = await vpc(t);
    const reply = await subnet(t, v.id, "10.0.8.0/22");
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      id: expect.stringMatching(/^subnet-[0-9a-z]{8}$/),
      vpcId: v.id,
      zone: "ap-guangzhou-3",
      region: "ap-guangzhou",
      cidrBlock: "10.0.8.0/22",
    });
  });

  it.each([
    ["10.1.0.0/24", "ap-guangzhou-3", "InvalidParameterValue", "cidrBlock"],
    ["10.0.1.0/24", "ap-shanghai-2", "InvalidParameterValue", "zone"],
    ["10.0.1.0/29", "ap-guangzhou-3", "InvalidParameterValue", "cidrBlock"],
  ])("refuses %s in %s", async (cidrBlock, zone, code, field) => {
    const t = await newTenant();
    const v = await vpc(t);
    const reply = await subnet(t, v.id, cidrBlock, zone);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code, field });
  });

  it("refuses a block that overlaps a sibling, and frees the block when the sibling is deleted", async () => {
    const t = await newTenant();
    const v = await vpc(t);
    const first = await created(subnet(t, v.id, "10.0.0.0/24"));
    const overlap = await subnet(t, v.id, "10.0.0.128/25");
    await call("DELETE", `/v1/subnets/${first.id}`, { auth: t.auth });
    const after = await subnet(t, v.id, "10.0.0.128/25");
    expect(overlap.status).toBe(400);
    expect(overlap.body.error.code).toBe("InvalidParameterValue.SubnetConflict");
    expect(after.status).toBe(201);
  });

  it("lets exactly one of many concurrent overlapping subnets win", async () => {
    // Prepare
    const t = await newTenant();
    const v = await vpc(t);
    // Act: eight requests for nested blocks, so that every pair overlaps.
    const blocks = [
      "10.0.0.0/27",
      "10.0.0.0/26",
      "10.0.0.0/25",
      "10.0.0.0/24",
      "10.0.0.0/23",
      "10.0.0.0/22",
      "10.0.0.0/21",
      "10.0.0.0/20",
    ];
    const replies = await Promise.all(blocks.map((b) => subnet(t, v.id, b)));
    // Assess
    const wins = replies.filter((r) => r.status === 201);
    expect(wins).toHaveLength(1);
    for (const r of replies.filter((r) => r.status !== 201)) {
      expect([400, 429]).toContain(r.status);
    }
    expect((await call("GET", `/v1/vpcs/${v.id}`, { auth: t.auth })).body.subnetCount).toBe(1);
  });

  it("reads the VPC again after losing its version race, so a sibling created meanwhile is seen", async () => {
    // Prepare: between this creation's read of the VPC and its write, an overlapping sibling is created.
    const t = await newTenant();
    const v = await vpc(t);
    hook = interpose({
      when: (sent) => sent.name === "TransactWriteCommand",
      act: () => created(subnet(t, v.id, "10.0.0.0/23")),
    });
    // Act
    const reply = await subnet(t, v.id, "10.0.1.0/24");
    // Assess: the retry saw the sibling and refused the overlap (a stale retry would have written it).
    expect(hook.count).toBe(1);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("InvalidParameterValue.SubnetConflict");
    expect((await call("GET", `/v1/vpcs/${v.id}`, { auth: t.auth })).body.subnetCount).toBe(1);
  });

  it("creates many non-overlapping subnets concurrently without losing one", async () => {
    const t = await newTenant();
    const v = await vpc(t);
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => subnet(t, v.id, `10.0.${i}.0/24`)));
    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect((await call("GET", `/v1/vpcs/${v.id}`, { auth: t.auth })).body.subnetCount).toBe(6);
  });

  it("answers 404 naming vpcId for a VPC that is not the caller's", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const theirs = await vpc(other);
    const reply = await subnet(t, theirs.id, "10.0.1.0/24");
    expect(reply.status).toBe(404);
    expect(reply.body.error).toMatchObject({ code: "ResourceNotFound", field: "vpcId" });
  });
});

describe("backend instances", () => {
  it.each([
    ["CLB", /^lb-[0-9a-z]{8}$/],
    ["CDB", /^cdb-[0-9a-z]{8}$/],
    ["CRS", /^crs-[0-9a-z]{8}$/],
  ])("creates a %s with the reference product's ID prefix", async (type, shape) => {
    const t = await newTenant();
    const v = await vpc(t);
    const reply = await call("POST", "/v1/backend-instances", {
      auth: t.auth,
      body: { type, vpcId: v.id, vip: "10.0.3.4", port: 6379, name: "b" },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.id).toMatch(shape);
    expect(reply.body).toMatchObject({
      type,
      vpcId: v.id,
      region: "ap-guangzhou",
      vip: "10.0.3.4",
      port: 6379,
    });
  });

  it.each([
    [{ vip: "10.9.0.1" }, "InvalidParameterValue", "vip"],
    [{ vip: "10.0.0.0" }, "InvalidParameterValue.Reserved", "vip"],
    [{ vip: "10.0.255.255" }, "InvalidParameterValue.Reserved", "vip"],
    [{ vip: "10.0.0.300" }, "InvalidParameterValue.Malformed", "vip"],
    [{ port: 0 }, "InvalidParameterValue.Range", "port"],
    [{ port: 70000 }, "InvalidParameterValue.Range", "port"],
    [{ port: "80" }, "InvalidParameter", "port"],
    [{ type: "ELB" }, "InvalidParameterValue", "type"],
  ])("refuses %o", async (override, code, field) => {
    const t = await newTenant();
    const v = await vpc(t);
    const body = { type: "CLB", vpcId: v.id, vip: "10.0.3.4", port: 80, name: "b", ...override };
    const reply = await call("POST", "/v1/backend-instances", { auth: t.auth, body });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code, field });
  });

  it("releases its VPC when deleted", async () => {
    const t = await newTenant();
    const v = await vpc(t);
    const b = await created(
      call("POST", "/v1/backend-instances", {
        auth: t.auth,
        body: { type: "CLB", vpcId: v.id, vip: "10.0.3.4", port: 80, name: "b" },
      }),
    );
    expect((await call("DELETE", `/v1/vpcs/${v.id}`, { auth: t.auth })).status).toBe(409);
    expect((await call("DELETE", `/v1/backend-instances/${b.id}`, { auth: t.auth })).status).toBe(204);
    expect((await call("DELETE", `/v1/vpcs/${v.id}`, { auth: t.auth })).status).toBe(204);
  });
});

describe("security groups", () => {
  it("creates with a description, edits both fields, lists and deletes", async () => {
    const t = await newTenant();
    const sg = await created(
      call("POST", "/v1/security-groups", {
        auth: t.auth,
        body: { region: "ap-singapore", name: "web", description: "443 only" },
      }),
    );
    const edited = await call("PATCH", `/v1/security-groups/${sg.id}`, {
      auth: t.auth,
      body: { description: "443 and 80" },
    });
    const list = await call("GET", "/v1/security-groups?region=ap-singapore", { auth: t.auth });
    const empty = await call("PATCH", `/v1/security-groups/${sg.id}`, { auth: t.auth, body: {} });
    expect(sg.id).toMatch(/^sg-[0-9a-z]{8}$/);
    expect(edited.body).toMatchObject({ name: "web", description: "443 and 80" });
    expect(list.body.items).toHaveLength(1);
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("MissingParameter");
    expect((await call("DELETE", `/v1/security-groups/${sg.id}`, { auth: t.auth })).status).toBe(204);
  });
});

describe("tenancy", () => {
  it("keeps account A's VPC out of account B's reach: no read, list, rename or delete", async () => {
    // Prepare
    const a = await newTenant("a");
    const b = await newTenant("b");
    const v = await vpc(a);
    // Act
    const read = await call("GET", `/v1/vpcs/${v.id}`, { auth: b.auth });
    const list = await call("GET", "/v1/vpcs", { auth: b.auth });
    const rename = await call("PATCH", `/v1/vpcs/${v.id}`, { auth: b.auth, body: { name: "mine now" } });
    const remove = await call("DELETE", `/v1/vpcs/${v.id}`, { auth: b.auth });
    const missing = await call("GET", "/v1/vpcs/vpc-00000000", { auth: b.auth });
    // Assess: a stranger's resource looks exactly like a missing one.
    for (const reply of [read, rename, remove]) {
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe("ResourceNotFound");
      expect(reply.body.error.message).toBe(`VPC ${v.id} does not exist`);
    }
    expect(missing.status).toBe(404);
    expect(list.body.items).toEqual([]);
    const still = await call("GET", `/v1/vpcs/${v.id}`, { auth: a.auth });
    expect(still.body.name).toBe("vpc");
  });

  it("applies the same scoping to subnets, backends and security groups", async () => {
    const a = await newTenant("a");
    const b = await newTenant("b");
    const v = await vpc(a);
    const s = await created(subnet(a, v.id, "10.0.1.0/24"));
    const be = await created(
      call("POST", "/v1/backend-instances", {
        auth: a.auth,
        body: { type: "CLB", vpcId: v.id, vip: "10.0.1.9", port: 80, name: "b" },
      }),
    );
    const sg = await created(
      call("POST", "/v1/security-groups", { auth: a.auth, body: { region: "ap-guangzhou", name: "sg" } }),
    );
    for (const path of [
      `/v1/subnets/${s.id}`,
      `/v1/backend-instances/${be.id}`,
      `/v1/security-groups/${sg.id}`,
    ]) {
      expect((await call("GET", path, { auth: b.auth })).status).toBe(404);
      expect((await call("PATCH", path, { auth: b.auth, body: { name: "x" } })).status).toBe(404);
      expect((await call("DELETE", path, { auth: b.auth })).status).toBe(404);
      expect((await call("GET", path, { auth: a.auth })).status).toBe(200);
    }
  });
});

describe("budgets", () => {
  it("answers GET of one resource with one read once the credential is cached", async () => {
    const t = await newTenant();
    const v = await vpc(t);
    await call("GET", "/v1/vpcs", { auth: t.auth });
    const { commands } = await Db.recordCommands(() => call("GET", `/v1/vpcs/${v.id}`, { auth: t.auth }));
    expect(commands).toEqual(["GetItem"]);
  });

  it("answers a list page with one Query and never a Scan", async () => {
    const t = await newTenant();
    await vpc(t);
    await call("GET", "/v1/vpcs", { auth: t.auth });
    const { commands } = await Db.recordCommands(() =>
      call("GET", "/v1/vpcs?region=ap-guangzhou", { auth: t.auth }),
    );
    expect(commands).toEqual(["Query"]);
  });
});
