import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { Db } from "../../core/db/client.ts";
import * as Keys from "../../core/db/keys.ts";
import { parseAuthorization } from "../../functions/api/tencent/tc3.ts";
import { sdkError, sdkSignedPost, send, specAuthorization, useRuntime } from "../support/tencent.ts";

const lp = useRuntime();

describe("replay protection", () => {
  it("accepts a signed write once: the same CreateSecurityGroup sent twice makes one group", async () => {
    // Prepare
    const a = await lp.account();
    const call = sdkSignedPost(lp.port, a, "CreateSecurityGroup", { GroupName: "g", GroupDescription: "d" });

    // Act
    const first = await send(call);
    const second = await send(call);
    const asRead = await send(call, { "x-tc-action": "DescribeSecurityGroups" });

    // Assess
    expect(first.Response.Error).toBeUndefined();
    expect(second.Response.Error?.Code).toBe("AuthFailure.SignatureReplay");
    expect(asRead.Response.Error?.Code).toBe("AuthFailure.SignatureReplay");
    expect((await a.client.DescribeSecurityGroups({})).TotalCount).toBe(1);
  });

  it("refuses a captured request re-aimed at another region", async () => {
    const a = await lp.account();
    const call = sdkSignedPost(lp.port, a, "CreateSecurityGroup", { GroupName: "g", GroupDescription: "d" });
    await send(call);
    const moved = await send(call, { "x-tc-region": "ap-shanghai" });
    expect(moved.Response.Error?.Code).toBe("AuthFailure.SignatureReplay");
    expect(
      (await lp.client(a.secretId, a.secretKey, "ap-shanghai").DescribeSecurityGroups({})).TotalCount,
    ).toBe(0);
  });

  it("refuses a captured DisassociateVpcEndPointSecurityGroups re-sent as ModifyVpcEndPointAttribute", async () => {
    // Prepare: an endpoint (to the account's own service) bound to one security group.
    const a = await lp.account();
    const vpcId = (await a.client.CreateVpc({ VpcName: "v", CidrBlock: "10.0.0.0/16" })).Vpc?.VpcId as string;
    const subnetId = (
      await a.client.CreateSubnet({
        VpcId: vpcId,
        SubnetName: "s",
        CidrBlock: "10.0.1.0/24",
        Zone: "ap-guangzhou-1",
      })
    ).Subnet?.SubnetId as string;
    const lbId = await lp.loadBalancer(a, vpcId);
    const serviceId = (
      await a.client.CreateVpcEndPointService({
        VpcId: vpcId,
        EndPointServiceName: "s",
        AutoAcceptFlag: false,
        ServiceInstanceId: lbId,
      })
    ).EndPointService?.EndPointServiceId as string;
    const sg = (await a.client.CreateSecurityGroup({ GroupName: "g", GroupDescription: "d" })).SecurityGroup
      ?.SecurityGroupId as string;
    const endpointId = (
      await a.client.CreateVpcEndPoint({
        VpcId: vpcId,
        SubnetId: subnetId,
        EndPointName: "e",
        EndPointServiceId: serviceId,
        SecurityGroupId: sg,
      })
    ).EndPoint?.EndPointId as string;
    const call = sdkSignedPost(lp.port, a, "DisassociateVpcEndPointSecurityGroups", {
      EndPointId: endpointId,
      SecurityGroupIds: [sg],
    });

    // Act
    const unbound = await send(call);
    const rebound = await send(call, { "x-tc-action": "ModifyVpcEndPointAttribute" });

    // Assess
    expect(unbound.Response.Error).toBeUndefined();
    expect(rebound.Response.Error?.Code).toBe("AuthFailure.SignatureReplay");
    const ep = (await a.client.DescribeVpcEndPoint({ EndPointId: [endpointId] })).EndPointSet?.[0];
    expect(ep?.GroupSet).toEqual([]);
  });

  it("refuses a captured read re-aimed at a write", async () => {
    const a = await lp.account();
    const call = sdkSignedPost(lp.port, a, "DescribeSecurityGroups", {});
    expect((await send(call)).Response.Error).toBeUndefined();
    expect((await send(call, { "x-tc-action": "CreateSecurityGroup" })).Response.Error?.Code).toBe(
      "AuthFailure.SignatureReplay",
    );
  });

  it("answers a read sent again (a client polling within one second sends the same bytes)", async () => {
    const a = await lp.account();
    await a.client.CreateSecurityGroup({ GroupName: "g", GroupDescription: "d" });
    const call = sdkSignedPost(lp.port, a, "DescribeSecurityGroups", {});
    const first = await send(call);
    const again = await send(call);
    const otherRead = await send(call, { "x-tc-action": "DescribeVpcs" });
    expect(first.Response.TotalCount).toBe(1);
    expect(again.Response.TotalCount).toBe(1);
    expect(otherRead.Response.Error).toBeUndefined();
  });

  it("holds a signature for 600 s from its timestamp, by TTL on the one table", async () => {
    const a = await lp.account();
    const call = sdkSignedPost(lp.port, a, "DescribeVpcs", {});
    await send(call);
    const { signature } = parseAuthorization(call.init.headers.authorization);
    const item = (
      await Db.client().send(new GetCommand({ TableName: Db.table(), Key: Keys.usedSignature(signature) }))
    ).Item;
    expect(item).toMatchObject({
      type: "UsedSignature",
      secretId: a.secretId,
      action: "DescribeVpcs",
      region: "ap-guangzhou",
      readOnly: true,
      expiresAt: Number(call.init.headers["x-tc-timestamp"]) + 600,
    });
  });
});

describe("UNSIGNED-PAYLOAD (the SDKs' unsignedPayload option)", () => {
  function unsigned(a: { secretId: string; secretKey: string }, body: string, header: boolean) {
    const timestamp = Math.floor(Date.now() / 1000);
    const { authorization } = specAuthorization({
      method: "POST",
      host: "127.0.0.1",
      body,
      contentType: "application/json",
      unsignedPayload: true,
      timestamp,
      service: "vpc",
      secretId: a.secretId,
      secretKey: a.secretKey,
    });
    return {
      url: `http://127.0.0.1:${lp.port}/`,
      init: {
        method: "POST",
        headers: {
          "content-type": "application/json",
          host: "127.0.0.1",
          "x-tc-action": "CreateSecurityGroup",
          "x-tc-version": "2017-03-12",
          "x-tc-region": "ap-guangzhou",
          "x-tc-timestamp": String(timestamp),
          ...(header ? { "x-tc-content-sha256": "UNSIGNED-PAYLOAD" } : {}),
          authorization,
        },
        body,
      },
    };
  }

  it("serves a request whose body is not signed when it says so", async () => {
    const a = await lp.account();
    const reply = await send(unsigned(a, JSON.stringify({ GroupName: "u", GroupDescription: "d" }), true));
    expect(reply.Response.Error).toBeUndefined();
    expect(reply.Response.SecurityGroup).toMatchObject({ SecurityGroupName: "u" });
  });

  it("refuses an unsigned-payload signature on a request that does not say so", async () => {
    const a = await lp.account();
    const reply = await send(unsigned(a, JSON.stringify({ GroupName: "u", GroupDescription: "d" }), false));
    expect(reply.Response.Error?.Code).toBe("AuthFailure.SignatureFailure");
  });
});

describe("GET requests", () => {
  it("serves the Node SDK's TC3-signed GET, parameters flattened into the query string", async () => {
    // Prepare
    const a = await lp.account();
    const get = lp.client(a.secretId, a.secretKey, "ap-guangzhou", { httpProfile: { reqMethod: "GET" } });

    // Act
    const vpc = (await get.CreateVpc({ VpcName: "by-get", CidrBlock: "10.0.0.0/16" })).Vpc;
    await get.CreateSubnet({
      VpcId: vpc?.VpcId as string,
      SubnetName: "s",
      CidrBlock: "10.0.1.0/24",
      Zone: "ap-guangzhou-1",
    });
    const filtered = await get.DescribeSubnets({
      Filters: [
        { Name: "vpc-id", Values: [vpc?.VpcId as string] },
        { Name: "subnet-name", Values: ["x", "s"] },
      ],
      MaxResults: 5,
    });
    const byId = await get.DescribeVpcs({ VpcIds: [vpc?.VpcId as string], Offset: "0", Limit: "10" });

    // Assess
    expect(vpc).toMatchObject({ VpcName: "by-get" });
    expect(filtered.SubnetSet?.map((s) => s.SubnetName)).toEqual(["s"]);
    expect(byId.TotalCount).toBe(1);
  });

  it("reads booleans and numbers from the query string where the action takes them", async () => {
    const a = await lp.account();
    const get = lp.client(a.secretId, a.secretKey, "ap-guangzhou", { httpProfile: { reqMethod: "GET" } });
    const vpcId = (await get.CreateVpc({ VpcName: "v", CidrBlock: "10.0.0.0/16" })).Vpc?.VpcId as string;
    const lbId = await lp.loadBalancer(a, vpcId);
    const service = (
      await get.CreateVpcEndPointService({
        VpcId: vpcId,
        EndPointServiceName: "s",
        AutoAcceptFlag: true,
        ServiceInstanceId: lbId,
      })
    ).EndPointService;
    expect(service?.AutoAcceptFlag).toBe(true);
    const bad = await sdkError(get.DescribeSubnets({ MaxResults: "lots" as never }));
    expect(bad.code).toBe("InvalidParameter");
  });

  it("checks a GET signed as the Python SDK signs it (query string as sent, empty payload)", async () => {
    const a = await lp.account();
    await a.client.CreateVpc({ VpcName: "py", CidrBlock: "10.0.0.0/16" });
    // urllib.parse.urlencode of the flattened parameters; Python writes booleans as True/False.
    const query = "Filters.0.Name=vpc-name&Filters.0.Values.0=py&Limit=1";
    const timestamp = Math.floor(Date.now() / 1000);
    const { authorization } = specAuthorization({
      method: "GET",
      host: `127.0.0.1:${lp.port}`,
      query,
      contentType: "application/x-www-form-urlencoded",
      timestamp,
      service: "vpc",
      secretId: a.secretId,
      secretKey: a.secretKey,
    });
    const reply = await send({
      url: `http://127.0.0.1:${lp.port}/?${query}`,
      init: {
        method: "GET",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-tc-action": "DescribeVpcs",
          "x-tc-version": "2017-03-12",
          "x-tc-region": "ap-guangzhou",
          "x-tc-timestamp": String(timestamp),
          authorization,
        },
      },
    });
    expect(reply.Response.Error).toBeUndefined();
    expect(reply.Response.VpcSet.map((v: { VpcName: string }) => v.VpcName)).toEqual(["py"]);
  });
});

describe("signature v1", () => {
  it.each(["POST", "GET"] as const)(
    "answers the SDK's HmacSHA256 signature over %s in the envelope, naming what is served",
    async (reqMethod) => {
      const a = await lp.account();
      const v1 = lp.client(a.secretId, a.secretKey, "ap-guangzhou", {
        signMethod: "HmacSHA256",
        httpProfile: { reqMethod },
      });
      const error = await sdkError(v1.DescribeVpcs({}));
      expect(error.code).toBe("AuthFailure.InvalidAuthorization");
      expect(error.message).toMatch(/TC3-HMAC-SHA256/);
      expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});
