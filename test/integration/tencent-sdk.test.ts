import { describe, expect, it } from "vitest";
import { nextSecond, sdkError, sign3, useRuntime } from "../support/tencent.ts";
import { until } from "../support/wait.ts";

const lp = useRuntime();
const { rest, client, account } = lp;

describe("the official SDK against Linkplane", () => {
  it("runs the provider and consumer workflows end to end", async () => {
    // Provider: network, a backend (REST only: it belongs to other products there), a service.
    const provider = await account();
    const consumer = await account();
    const pvpc = (await provider.client.CreateVpc({ VpcName: "provider", CidrBlock: "10.0.0.0/16" })).Vpc;
    expect(pvpc).toMatchObject({
      VpcName: "provider",
      CidrBlock: "10.0.0.0/16",
      VpcId: expect.stringMatching(/^vpc-/),
    });
    const lb = await rest(
      "POST",
      "/v1/backend-instances",
      `Bearer ${provider.secretId}:${provider.secretKey}`,
      {
        type: "CLB",
        vpcId: pvpc?.VpcId,
        vip: "10.0.1.10",
        port: 3306,
        name: "lb",
      },
    );
    const created = await provider.client.CreateVpcEndPointService({
      VpcId: pvpc?.VpcId as string,
      EndPointServiceName: "orders",
      AutoAcceptFlag: false,
      ServiceInstanceId: lb.body.id,
      ServiceType: "CLB",
      Tags: [{ Key: "env", Value: "prod" }],
    });
    const service = created.EndPointService;
    expect(service).toMatchObject({
      EndPointServiceId: expect.stringMatching(/^vpcsvc-/),
      VpcId: pvpc?.VpcId,
      ServiceOwner: provider.appId,
      ServiceName: "orders",
      ServiceVip: "10.0.1.10",
      ServiceInstanceId: lb.body.id,
      AutoAcceptFlag: false,
      EndPointCount: 0,
      ServiceType: "CLB",
      ServiceUin: provider.uin,
      TagSet: [{ Key: "env", Value: "prod" }],
      CreateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
    });
    const serviceId = service?.EndPointServiceId as string;

    // Consumer: network; not allowlisted, so the connection is refused.
    const cvpc = (await consumer.client.CreateVpc({ VpcName: "consumer", CidrBlock: "10.1.0.0/16" })).Vpc;
    const subnet = (
      await consumer.client.CreateSubnet({
        VpcId: cvpc?.VpcId as string,
        SubnetName: "app",
        CidrBlock: "10.1.1.0/24",
        Zone: "ap-guangzhou-3",
      })
    ).Subnet;
    expect(subnet).toMatchObject({
      AvailableIpAddressCount: 253,
      TotalIpAddressCount: 256,
      Zone: "ap-guangzhou-3",
    });
    const refused = await sdkError(
      consumer.client.CreateVpcEndPoint({
        VpcId: cvpc?.VpcId as string,
        SubnetId: subnet?.SubnetId as string,
        EndPointName: "ep",
        EndPointServiceId: serviceId,
      }),
    );
    expect(refused.code).toBe("ResourceUnavailable.ServiceWhiteListNotAdded");

    // Allowlist, then connect.
    await provider.client.CreateVpcEndPointServiceWhiteList({
      UserUin: consumer.uin,
      EndPointServiceId: serviceId,
      Description: "team b",
    });
    const users = await provider.client.DescribeVpcEndPointServiceWhiteList({
      Filters: [{ Name: "end-point-service-id", Values: [serviceId] }],
    });
    expect(users.TotalCount).toBe(1);
    expect(users.VpcEndpointServiceUserSet?.[0]).toMatchObject({
      UserUin: consumer.uin,
      Description: "team b",
      EndPointServiceId: serviceId,
      Owner: Number(provider.appId),
    });
    await provider.client.ModifyVpcEndPointServiceWhiteList({
      UserUin: consumer.uin,
      EndPointServiceId: serviceId,
      Description: "renamed",
    });
    const authorized = await consumer.client.DescribeVpcEndPointService({
      IsListAuthorizedEndPointService: true,
    });
    expect(authorized.EndPointServiceSet?.map((s) => s.EndPointServiceId)).toEqual([serviceId]);
    expect(authorized.EndPointServiceSet?.[0]?.ServiceInstanceId).toBeUndefined();

    const sg = (await consumer.client.CreateSecurityGroup({ GroupName: "app", GroupDescription: "443 only" }))
      .SecurityGroup;
    const ep = (
      await consumer.client.CreateVpcEndPoint({
        VpcId: cvpc?.VpcId as string,
        SubnetId: subnet?.SubnetId as string,
        EndPointName: "orders-ep",
        EndPointServiceId: serviceId,
        EndPointVip: "10.1.1.20",
        SecurityGroupId: sg?.SecurityGroupId,
      })
    ).EndPoint;
    expect(ep).toMatchObject({
      EndPointVip: "10.1.1.20",
      State: "PENDING",
      EndPointOwner: consumer.appId,
      ServiceName: "orders",
      GroupSet: [sg?.SecurityGroupId],
    });
    const endpointId = ep?.EndPointId as string;

    // Accept, reject, re-accept; the provider sees the endpoint in its service.
    const state = async () =>
      (await consumer.client.DescribeVpcEndPoint({ EndPointId: [endpointId] })).EndPointSet?.[0]?.State;
    await provider.client.EnableVpcEndPointConnect({
      EndPointServiceId: serviceId,
      EndPointId: [endpointId],
      AcceptFlag: true,
    });
    expect(await state()).toBe("ACTIVE");
    await provider.client.EnableVpcEndPointConnect({
      EndPointServiceId: serviceId,
      EndPointId: [endpointId],
      AcceptFlag: false,
    });
    expect(await state()).toBe("REJECTED");
    // The same call as the first accept: within the same second it would be the same signature.
    await nextSecond();
    await provider.client.EnableVpcEndPointConnect({
      EndPointServiceId: serviceId,
      EndPointId: [endpointId],
      AcceptFlag: true,
    });
    expect(await state()).toBe("ACTIVE");
    const seen = await provider.client.DescribeVpcEndPointService({ EndPointServiceIds: [serviceId] });
    expect(seen.EndPointServiceSet?.[0]).toMatchObject({ EndPointCount: 1 });
    expect(seen.EndPointServiceSet?.[0]?.EndPointSet?.[0]).toMatchObject({
      EndPointId: endpointId,
      State: "ACTIVE",
      ServiceVpcId: pvpc?.VpcId,
      EndPointOwner: consumer.appId,
    });

    // Security groups: replace through ModifyVpcEndPointAttribute, then disassociate.
    const sg2 = (await consumer.client.CreateSecurityGroup({ GroupName: "ops", GroupDescription: "ops" }))
      .SecurityGroup;
    await consumer.client.ModifyVpcEndPointAttribute({
      EndPointId: endpointId,
      EndPointName: "renamed",
      SecurityGroupIds: [sg2?.SecurityGroupId as string, sg?.SecurityGroupId as string],
    });
    let described = (
      await consumer.client.DescribeVpcEndPoint({ Filters: [{ Name: "end-point-id", Values: [endpointId] }] })
    ).EndPointSet?.[0];
    expect(described).toMatchObject({
      EndPointName: "renamed",
      GroupSet: [sg2?.SecurityGroupId, sg?.SecurityGroupId],
    });
    expect(
      (
        await sdkError(
          consumer.client.DeleteSecurityGroup({ SecurityGroupId: sg?.SecurityGroupId as string }),
        )
      ).code,
    ).toBe("ResourceInUse");
    await consumer.client.DisassociateVpcEndPointSecurityGroups({
      EndPointId: endpointId,
      SecurityGroupIds: [sg?.SecurityGroupId as string],
    });
    described = (await consumer.client.DescribeVpcEndPoint({ EndPointId: [endpointId] })).EndPointSet?.[0];
    expect(described?.GroupSet).toEqual([sg2?.SecurityGroupId]);
    await nextSecond(); // the refused DeleteSecurityGroup above may have been the same signature
    await consumer.client.DeleteSecurityGroup({ SecurityGroupId: sg?.SecurityGroupId as string });

    // Describe with filters and paging on the VPC side.
    expect(
      (
        await consumer.client.DescribeSubnets({
          Filters: [{ Name: "vpc-id", Values: [cvpc?.VpcId as string] }],
        })
      ).SubnetSet?.[0]?.AvailableIpAddressCount,
    ).toBe(252);
    expect(
      (await consumer.client.DescribeSecurityGroups({ SecurityGroupIds: [sg2?.SecurityGroupId as string] }))
        .TotalCount,
    ).toBe(1);

    // Tear down: service deletion refused while connected; then the consumer leaves and all goes.
    expect(
      (await sdkError(provider.client.DeleteVpcEndPointService({ EndPointServiceId: serviceId }))).code,
    ).toBe("ResourceInUse");
    expect(
      (await sdkError(consumer.client.DeleteSubnet({ SubnetId: subnet?.SubnetId as string }))).code,
    ).toBe("ResourceInUse");
    await consumer.client.DeleteVpcEndPoint({ EndPointId: endpointId });
    await provider.client.DeleteVpcEndPointServiceWhiteList({
      UserUin: [consumer.uin],
      EndPointServiceId: serviceId,
    });
    await nextSecond(); // the same two deletes were refused above: wait for a new signature
    await provider.client.DeleteVpcEndPointService({ EndPointServiceId: serviceId });
    await consumer.client.DeleteSubnet({ SubnetId: subnet?.SubnetId as string });
    await consumer.client.DeleteVpc({ VpcId: cvpc?.VpcId as string });
    expect((await consumer.client.DescribeVpcs({})).TotalCount).toBe(0);
  });

  it("auto-accepts through the stream and shows ACCEPTING then ACTIVE", async () => {
    const provider = await account();
    const pvpc = (await provider.client.CreateVpc({ VpcName: "p", CidrBlock: "10.0.0.0/16" })).Vpc;
    const subnet = (
      await provider.client.CreateSubnet({
        VpcId: pvpc?.VpcId as string,
        SubnetName: "s",
        CidrBlock: "10.0.2.0/24",
        Zone: "ap-guangzhou-2",
      })
    ).Subnet;
    const lb = await rest(
      "POST",
      "/v1/backend-instances",
      `Bearer ${provider.secretId}:${provider.secretKey}`,
      { type: "CDB", vpcId: pvpc?.VpcId, vip: "10.0.1.10", port: 3306, name: "db" },
    );
    const svc = await provider.client.CreateVpcEndPointService({
      VpcId: pvpc?.VpcId as string,
      EndPointServiceName: "db",
      AutoAcceptFlag: true,
      ServiceInstanceId: lb.body.id,
      ServiceType: "CDB",
    });
    const ep = await provider.client.CreateVpcEndPoint({
      VpcId: pvpc?.VpcId as string,
      SubnetId: subnet?.SubnetId as string,
      EndPointName: "self",
      EndPointServiceId: svc.EndPointService?.EndPointServiceId as string,
    });
    expect(ep.EndPoint?.State).toBe("ACCEPTING");
    await until(
      async () =>
        (await provider.client.DescribeVpcEndPoint({ EndPointId: [ep.EndPoint?.EndPointId as string] }))
          .EndPointSet?.[0]?.State === "ACTIVE",
      5_000,
      "ACTIVE",
    );
  });

  it("pages with Offset/Limit and NextToken/MaxResults, and checks Filters", async () => {
    const a = await account();
    for (let i = 0; i < 5; i++)
      await a.client.CreateSecurityGroup({ GroupName: `g${i}`, GroupDescription: "d" });
    const page = await a.client.DescribeSecurityGroups({ Offset: "1", Limit: "2" });
    expect(page.TotalCount).toBe(5);
    expect(page.SecurityGroupSet).toHaveLength(2);
    const vpc = (await a.client.CreateVpc({ VpcName: "v", CidrBlock: "10.0.0.0/16" })).Vpc;
    for (let i = 0; i < 3; i++)
      await a.client.CreateSubnet({
        VpcId: vpc?.VpcId as string,
        SubnetName: `s${i}`,
        CidrBlock: `10.0.${i}.0/24`,
        Zone: "ap-guangzhou-1",
      });
    const first = await a.client.DescribeSubnets({ MaxResults: 2 });
    const second = await a.client.DescribeSubnets({ MaxResults: 2, NextToken: first.NextToken });
    expect(first.SubnetSet).toHaveLength(2);
    expect(second.SubnetSet).toHaveLength(1);
    expect(second.NextToken).toBe("");
    expect(
      new Set([...(first.SubnetSet ?? []), ...(second.SubnetSet ?? [])].map((s) => s.SubnetId)).size,
    ).toBe(3);
    expect(
      (await sdkError(a.client.DescribeVpcEndPoint({ Filters: [{ Name: "colour", Values: ["red"] }] }))).code,
    ).toBe("InvalidParameter.FilterInvalidKey");
    expect(
      (
        await sdkError(
          a.client.DescribeVpcEndPointService({
            EndPointServiceIds: ["vpcsvc-00000000"],
            Filters: [{ Name: "service-id", Values: ["x"] }],
          }),
        )
      ).code,
    ).toBe("InvalidParameter.Coexist");
    const limit = await sdkError(a.client.DescribeVpcEndPoint({ Limit: 101 }));
    expect(limit.code).toBe("InvalidParameterValue.Range");
    const or = await a.client.DescribeSubnets({
      Filters: [
        { Name: "subnet-name", Values: ["s0", "s2"] },
        { Name: "zone", Values: ["ap-guangzhou-1"] },
      ],
    });
    expect(or.SubnetSet?.map((s) => s.SubnetName).sort()).toEqual(["s0", "s2"]);
  });

  it("raises each error code through the SDK's own exception", async () => {
    const a = await account();
    const other = await account();
    const vpc = (await a.client.CreateVpc({ VpcName: "v", CidrBlock: "10.0.0.0/16" })).Vpc;
    const vpcId = vpc?.VpcId as string;
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => client(`AKID${"x".repeat(32)}`, "k").DescribeVpcs({}), "AuthFailure.SecretIdNotFound"],
      [() => client(a.secretId, "wrong").DescribeVpcs({}), "AuthFailure.SignatureFailure"],
      [
        () =>
          (a.client as unknown as { request(action: string, req: object): Promise<unknown> }).request(
            "NoSuchAction",
            {},
          ),
        "InvalidAction",
      ],
      [
        () => a.client.CreateVpc({ VpcName: "x", CidrBlock: "10.0.0.0/16", Colour: "red" } as never),
        "UnknownParameter",
      ],
      [() => a.client.CreateVpc({ VpcName: 42, CidrBlock: "10.0.0.0/16" } as never), "InvalidParameter"],
      [
        () => a.client.CreateVpc({ VpcName: "x", CidrBlock: "10.0.0.1/16" }),
        "InvalidParameterValue.Malformed",
      ],
      [
        () => a.client.CreateVpc({ VpcName: "x".repeat(61), CidrBlock: "10.0.0.0/16" }),
        "InvalidParameterValue.TooLong",
      ],
      [() => a.client.CreateVpc({ CidrBlock: "10.0.0.0/16" } as never), "MissingParameter"],
      [() => a.client.DeleteVpc({ VpcId: "vpc-00000000" }), "ResourceNotFound"],
      [() => other.client.DeleteVpc({ VpcId: vpcId }), "ResourceNotFound"],
      [() => client(a.secretId, a.secretKey, "ap-shanghai").DeleteVpc({ VpcId: vpcId }), "ResourceNotFound"],
      [() => client(a.secretId, a.secretKey, "eu-mars").DescribeVpcs({ Limit: "1" }), "UnsupportedRegion"],
      [
        () =>
          a.client.CreateSubnet({
            VpcId: vpcId,
            SubnetName: "s",
            CidrBlock: "10.0.0.0/29",
            Zone: "ap-guangzhou-1",
          }),
        "InvalidParameterValue",
      ],
      [() => a.client.DescribeSubnets({ Offset: "ten" } as never), "InvalidParameterValue.Malformed"],
    ];
    for (const [call, code] of cases) {
      const error = await sdkError(call());
      expect(error.code, error.message).toBe(code);
      expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // ResourceInUse, LimitExceeded, ResourceInsufficient.Subnet and VpcMismatch come from core rules.
    await a.client.CreateSubnet({
      VpcId: vpcId,
      SubnetName: "tiny",
      CidrBlock: "10.0.9.0/28",
      Zone: "ap-guangzhou-1",
    });
    await nextSecond(); // the ap-shanghai DeleteVpc above had the same body, hence maybe the same signature
    expect((await sdkError(a.client.DeleteVpc({ VpcId: vpcId }))).code).toBe("ResourceInUse");
    const lb = await rest("POST", "/v1/backend-instances", `Bearer ${a.secretId}:${a.secretKey}`, {
      type: "CLB",
      vpcId,
      vip: "10.0.1.10",
      port: 80,
      name: "lb",
    });
    const svc = (
      await a.client.CreateVpcEndPointService({
        VpcId: vpcId,
        EndPointServiceName: "s",
        AutoAcceptFlag: false,
        ServiceInstanceId: lb.body.id,
      })
    ).EndPointService;
    expect(
      (
        await sdkError(
          a.client.ModifyVpcEndPointServiceAttribute({
            EndPointServiceId: svc?.EndPointServiceId as string,
            VpcId: "vpc-00000000",
          }),
        )
      ).code,
    ).toBe("UnsupportedOperation.VpcMismatch");
    const subnets = await a.client.DescribeSubnets({ Filters: [{ Name: "subnet-name", Values: ["tiny"] }] });
    const tiny = subnets.SubnetSet?.[0]?.SubnetId as string;
    for (let i = 0; i < 13; i++)
      await a.client.CreateVpcEndPoint({
        VpcId: vpcId,
        SubnetId: tiny,
        EndPointName: `e${i}`,
        EndPointServiceId: svc?.EndPointServiceId as string,
      });
    expect(
      (
        await sdkError(
          a.client.CreateVpcEndPoint({
            VpcId: vpcId,
            SubnetId: tiny,
            EndPointName: "one-more",
            EndPointServiceId: svc?.EndPointServiceId as string,
          }),
        )
      ).code,
    ).toBe("ResourceInsufficient.Subnet");
  });

  it("stops a disabled credential", async () => {
    const a = await account();
    await a.client.DescribeVpcs({});
    await rest(
      "PATCH",
      `/v1/operator/accounts/${a.uin}/credentials/${a.secretId}`,
      `Bearer ${lp.runtime.operatorToken}`,
      { status: "disabled" },
    );
    expect((await sdkError(a.client.DescribeVpcs({}))).code).toBe("AuthFailure.SecretIdNotFound");
  });
});

describe("raw signed requests", () => {
  async function raw(options: {
    timestamp?: number;
    secretKey?: string;
    tamper?: boolean;
    date?: string;
    version?: string;
    authorization?: string;
    body?: string;
  }) {
    const a = await account();
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const payload = { Limit: "1" };
    let authorization =
      options.authorization ??
      sign3({
        method: "POST",
        url: `http://127.0.0.1:${lp.port}/`,
        payload,
        timestamp,
        service: "vpc",
        secretId: a.secretId,
        secretKey: options.secretKey ?? a.secretKey,
        headers: { "Content-Type": "application/json" },
      });
    if (options.date) authorization = authorization.replace(/\/\d{4}-\d{2}-\d{2}\//, `/${options.date}/`);
    const response = await fetch(`http://127.0.0.1:${lp.port}/`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-tc-action": "DescribeVpcs",
        "x-tc-version": options.version ?? "2017-03-12",
        "x-tc-region": "ap-guangzhou",
        "x-tc-timestamp": String(timestamp),
        authorization,
      },
      body: options.body ?? (options.tamper ? JSON.stringify({ Limit: "2" }) : JSON.stringify(payload)),
    });
    const reply = (await response.json()) as { Response: { Error?: { Code: string }; RequestId: string } };
    // Errors are HTTP 200 for the SDKs, except a body refused unread (413).
    const tooLarge = reply.Response.Error?.Code === "RequestSizeLimitExceeded";
    expect(response.status).toBe(tooLarge ? 413 : 200);
    return reply;
  }

  it.each([
    [
      "expired (301 s old)",
      { timestamp: Math.floor(Date.now() / 1000) - 301 },
      "AuthFailure.SignatureExpire",
    ],
    ["signed with the wrong key", { secretKey: "not-the-key" }, "AuthFailure.SignatureFailure"],
    ["with a tampered body", { tamper: true }, "AuthFailure.SignatureFailure"],
    ["with the wrong date in the scope", { date: "2020-01-01" }, "AuthFailure.SignatureFailure"],
    ["with a malformed Authorization", { authorization: "TC3 nonsense" }, "AuthFailure.InvalidAuthorization"],
    ["for another API version", { version: "2019-01-01" }, "NoSuchVersion"],
    [
      "with a body over 1 MiB",
      { body: JSON.stringify({ x: "y".repeat(1024 * 1024) }) },
      "RequestSizeLimitExceeded",
    ],
  ])("answers a request %s in the error envelope", async (_what, options, code) => {
    const reply = await raw(options);
    expect(reply.Response.Error?.Code).toBe(code);
    expect(reply.Response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers a signed request that is not JSON in the envelope", async () => {
    const a = await account();
    const timestamp = Math.floor(Date.now() / 1000);
    const body = "this is not json";
    const authorization = sign3({
      method: "POST",
      url: `http://127.0.0.1:${lp.port}/`,
      payload: Buffer.from(body),
      timestamp,
      service: "vpc",
      secretId: a.secretId,
      secretKey: a.secretKey,
      headers: { "Content-Type": "application/json" },
    });
    const response = await fetch(`http://127.0.0.1:${lp.port}/`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-tc-action": "DescribeVpcs",
        "x-tc-version": "2017-03-12",
        "x-tc-region": "ap-guangzhou",
        "x-tc-timestamp": String(timestamp),
        authorization,
      },
      body,
    });
    const reply = (await response.json()) as { Response: { Error?: { Code: string } } };
    expect(response.status).toBe(200);
    expect(reply.Response.Error?.Code).toBe("InvalidParameter");
  });
});
