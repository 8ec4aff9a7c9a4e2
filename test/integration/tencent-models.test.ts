import { describe, expect, it } from "vitest";
import { type Account, sdkError, useRuntime } from "../support/tencent.ts";

const lp = useRuntime();

/** A provider with a tagged service that allowlists a consumer, and the consumer's pending endpoint. */
async function connected() {
  const provider = await lp.account();
  const consumer = await lp.account();
  const pvpc = (await provider.client.CreateVpc({ VpcName: "p", CidrBlock: "10.0.0.0/16" })).Vpc
    ?.VpcId as string;
  const lbId = await lp.loadBalancer(provider, pvpc);
  const serviceId = (
    await provider.client.CreateVpcEndPointService({
      VpcId: pvpc,
      EndPointServiceName: "orders",
      AutoAcceptFlag: false,
      ServiceInstanceId: lbId,
      Tags: [{ Key: "team", Value: "payments" }],
    })
  ).EndPointService?.EndPointServiceId as string;
  await provider.client.CreateVpcEndPointServiceWhiteList({
    UserUin: consumer.uin,
    EndPointServiceId: serviceId,
  });
  const cvpc = (await consumer.client.CreateVpc({ VpcName: "c", CidrBlock: "10.1.0.0/16" })).Vpc
    ?.VpcId as string;
  const subnetId = (
    await consumer.client.CreateSubnet({
      VpcId: cvpc,
      SubnetName: "s",
      CidrBlock: "10.1.1.0/24",
      Zone: "ap-guangzhou-1",
    })
  ).Subnet?.SubnetId as string;
  const sgId = (await consumer.client.CreateSecurityGroup({ GroupName: "g", GroupDescription: "d" }))
    .SecurityGroup?.SecurityGroupId as string;
  const endpointId = (
    await consumer.client.CreateVpcEndPoint({
      VpcId: cvpc,
      SubnetId: subnetId,
      EndPointName: "e",
      EndPointServiceId: serviceId,
      SecurityGroupId: sgId,
    })
  ).EndPoint?.EndPointId as string;
  return { provider, consumer, pvpc, cvpc, subnetId, sgId, serviceId, endpointId };
}

async function endpointOf(a: Account, id: string) {
  return (await a.client.DescribeVpcEndPoint({ EndPointId: [id] })).EndPointSet?.[0];
}

describe("owner fields hold the AppId", () => {
  it("shows ServiceOwner, EndPointOwner and a service user's Owner as AppIds, ServiceUin as the UIN", async () => {
    // Prepare
    const { provider, consumer, serviceId, endpointId } = await connected();
    expect(provider.appId).not.toBe(provider.uin);

    // Act
    const own = (await provider.client.DescribeVpcEndPointService({ EndPointServiceIds: [serviceId] }))
      .EndPointServiceSet?.[0];
    const mine = await endpointOf(consumer, endpointId);
    const users = await provider.client.DescribeVpcEndPointServiceWhiteList({});

    // Assess
    expect(own).toMatchObject({ ServiceOwner: provider.appId, ServiceUin: provider.uin });
    expect(own?.EndPointSet?.[0]).toMatchObject({ EndPointId: endpointId, EndPointOwner: consumer.appId });
    expect(mine?.EndPointOwner).toBe(consumer.appId);
    expect(users.VpcEndpointServiceUserSet?.[0]?.Owner).toBe(Number(provider.appId));
  });
});

describe("Describe* with explicit IDs", () => {
  it("answers ResourceNotFound for an ID that is missing, another account's, or in another region", async () => {
    const { provider, consumer, pvpc, cvpc, subnetId, sgId, serviceId, endpointId } = await connected();
    const stranger = await lp.account();
    const elsewhere = lp.client(consumer.secretId, consumer.secretKey, "ap-shanghai");
    const providerElsewhere = lp.client(provider.secretId, provider.secretKey, "ap-shanghai");
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["an unknown endpoint", () => consumer.client.DescribeVpcEndPoint({ EndPointId: ["vpce-00000000"] })],
      [
        "a known and an unknown endpoint",
        () => consumer.client.DescribeVpcEndPoint({ EndPointId: [endpointId, "vpce-00000000"] }),
      ],
      ["a stranger's endpoint", () => stranger.client.DescribeVpcEndPoint({ EndPointId: [endpointId] })],
      ["an endpoint in another region", () => elsewhere.DescribeVpcEndPoint({ EndPointId: [endpointId] })],
      [
        "an unknown service",
        () => provider.client.DescribeVpcEndPointService({ EndPointServiceIds: ["vpcsvc-00000000"] }),
      ],
      [
        "a stranger's service",
        () => stranger.client.DescribeVpcEndPointService({ EndPointServiceIds: [serviceId] }),
      ],
      [
        "a service in another region",
        () => providerElsewhere.DescribeVpcEndPointService({ EndPointServiceIds: [serviceId] }),
      ],
      [
        "a service the caller is not allowed to connect to",
        () =>
          stranger.client.DescribeVpcEndPointService({
            EndPointServiceIds: [serviceId],
            IsListAuthorizedEndPointService: true,
          }),
      ],
      ["a stranger's VPC", () => stranger.client.DescribeVpcs({ VpcIds: [pvpc] })],
      ["a VPC in another region", () => elsewhere.DescribeVpcs({ VpcIds: [cvpc] })],
      ["a stranger's subnet", () => stranger.client.DescribeSubnets({ SubnetIds: [subnetId] })],
      [
        "an unknown subnet with a known one",
        () => consumer.client.DescribeSubnets({ SubnetIds: [subnetId, "subnet-00000000"] }),
      ],
      [
        "a stranger's security group",
        () => stranger.client.DescribeSecurityGroups({ SecurityGroupIds: [sgId] }),
      ],
    ];
    for (const [what, call] of cases) {
      const error = await sdkError(call());
      expect(error.code, what).toBe("ResourceNotFound");
      expect(error.message, what).toMatch(/does not exist$/);
    }
    // The allowed consumer does see it, and the owner sees its own.
    const seen = await consumer.client.DescribeVpcEndPointService({
      EndPointServiceIds: [serviceId],
      IsListAuthorizedEndPointService: true,
    });
    expect(seen.TotalCount).toBe(1);
    expect((await consumer.client.DescribeSubnets({ SubnetIds: [subnetId] })).TotalCount).toBe(1);
  });

  it("says the same of a stranger's ID as of a missing one", async () => {
    const { consumer, endpointId } = await connected();
    const stranger = await lp.account();
    const missing = await sdkError(stranger.client.DescribeVpcEndPoint({ EndPointId: ["vpce-00000000"] }));
    const theirs = await sdkError(stranger.client.DescribeVpcEndPoint({ EndPointId: [endpointId] }));
    expect(theirs.message.replace(endpointId, "ID")).toBe(missing.message.replace("vpce-00000000", "ID"));
    expect(await endpointOf(consumer, endpointId)).toBeDefined();
  });
});

describe("multi-ID actions change all or nothing", () => {
  it("EnableVpcEndPointConnect with a good and an unknown ID changes nothing", async () => {
    const { provider, consumer, serviceId, endpointId } = await connected();
    const error = await sdkError(
      provider.client.EnableVpcEndPointConnect({
        EndPointServiceId: serviceId,
        EndPointId: [endpointId, "vpce-00000000"],
        AcceptFlag: true,
      }),
    );
    expect(error.code).toBe("ResourceNotFound");
    expect(error.message).toContain("vpce-00000000");
    expect((await endpointOf(consumer, endpointId))?.State).toBe("PENDING");
  });

  it("EnableVpcEndPointConnect with another service's endpoint changes nothing", async () => {
    const a = await connected();
    const b = await connected();
    const error = await sdkError(
      a.provider.client.EnableVpcEndPointConnect({
        EndPointServiceId: a.serviceId,
        EndPointId: [a.endpointId, b.endpointId],
        AcceptFlag: false,
      }),
    );
    expect(error.code).toBe("ResourceNotFound");
    expect((await endpointOf(a.consumer, a.endpointId))?.State).toBe("PENDING");
    expect((await endpointOf(b.consumer, b.endpointId))?.State).toBe("PENDING");
  });

  it("DisassociateVpcEndPointSecurityGroups with one bound and one unbound group unbinds neither", async () => {
    const { consumer, endpointId, sgId } = await connected();
    const other = (await consumer.client.CreateSecurityGroup({ GroupName: "o", GroupDescription: "d" }))
      .SecurityGroup?.SecurityGroupId as string;
    const error = await sdkError(
      consumer.client.DisassociateVpcEndPointSecurityGroups({
        EndPointId: endpointId,
        SecurityGroupIds: [sgId, other],
      }),
    );
    expect(error.code).toBe("ResourceNotFound");
    expect((await endpointOf(consumer, endpointId))?.GroupSet).toEqual([sgId]);
  });

  it("DeleteVpcEndPointServiceWhiteList with one listed and one unlisted UIN removes neither", async () => {
    const { provider, consumer, serviceId } = await connected();
    const error = await sdkError(
      provider.client.DeleteVpcEndPointServiceWhiteList({
        EndPointServiceId: serviceId,
        UserUin: [consumer.uin, "100000000001"],
      }),
    );
    expect(error.code).toBe("ResourceNotFound");
    expect(error.message).toContain("100000000001");
    expect((await provider.client.DescribeVpcEndPointServiceWhiteList({})).TotalCount).toBe(1);
  });

  it("ModifyVpcEndPointAttribute with a new name and an unknown group changes neither", async () => {
    const { consumer, endpointId, sgId } = await connected();
    const error = await sdkError(
      consumer.client.ModifyVpcEndPointAttribute({
        EndPointId: endpointId,
        EndPointName: "renamed",
        SecurityGroupIds: ["sg-00000000"],
      }),
    );
    expect(error.code).toBe("ResourceNotFound");
    expect(await endpointOf(consumer, endpointId)).toMatchObject({ EndPointName: "e", GroupSet: [sgId] });
  });

  it("ModifyVpcEndPointAttribute with good groups and a bad name changes neither", async () => {
    const { consumer, endpointId, sgId } = await connected();
    const other = (await consumer.client.CreateSecurityGroup({ GroupName: "o", GroupDescription: "d" }))
      .SecurityGroup?.SecurityGroupId as string;
    const error = await sdkError(
      consumer.client.ModifyVpcEndPointAttribute({
        EndPointId: endpointId,
        EndPointName: "x".repeat(81),
        SecurityGroupIds: [other],
      }),
    );
    expect(error.code).toBe("InvalidParameterValue.TooLong");
    expect(await endpointOf(consumer, endpointId)).toMatchObject({ EndPointName: "e", GroupSet: [sgId] });
  });
});

describe("the authorized view of another account's service", () => {
  it("shows what an allowed consumer may know and hides the provider's network", async () => {
    // Prepare
    const { provider, consumer, serviceId } = await connected();

    // Act
    const seen = (
      await consumer.client.DescribeVpcEndPointService({
        EndPointServiceIds: [serviceId],
        IsListAuthorizedEndPointService: true,
      })
    ).EndPointServiceSet?.[0];
    const owners = (
      await provider.client.DescribeVpcEndPointService({
        EndPointServiceIds: [serviceId],
        IsListAuthorizedEndPointService: true,
      })
    ).EndPointServiceSet?.[0];

    // Assess
    expect(seen).toEqual({
      EndPointServiceId: serviceId,
      ServiceOwner: provider.appId,
      ServiceName: "orders",
      AutoAcceptFlag: false,
      EndPointCount: 1,
      EndPointSet: [],
      CreateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      ServiceType: "CLB",
      ServiceUin: provider.uin,
      BusinessIpType: 0,
      TagSet: [{ Key: "team", Value: "payments" }],
    });
    // The owner listing its own service among those it may connect to sees all of it.
    expect(owners).toMatchObject({
      VpcId: expect.stringMatching(/^vpc-/),
      ServiceVip: "10.0.0.10",
      EndPointCount: 1,
    });
    expect(owners?.EndPointSet).toHaveLength(1);
  });
});

describe("VPC-side models", () => {
  it("serve every field of the SDK's Vpc and Subnet models, with the values of a VPC without those features", async () => {
    const a = await lp.account();
    const vpc = (await a.client.CreateVpc({ VpcName: "v", CidrBlock: "10.0.0.0/16" })).Vpc;
    await a.client.CreateSubnet({
      VpcId: vpc?.VpcId as string,
      SubnetName: "s",
      CidrBlock: "10.0.1.0/24",
      Zone: "ap-guangzhou-1",
    });
    const described = (await a.client.DescribeVpcs({})).VpcSet?.[0];
    const subnets = await a.client.DescribeSubnets({});
    for (const v of [vpc, described]) {
      expect(v).toMatchObject({
        EnableRouteVpcPublish: false,
        Ipv6CidrBlockSet: [],
        EnableRouteVpcPublishIpv6: false,
      });
    }
    expect(subnets.SubnetSet?.[0]).toMatchObject({
      Ipv6CidrBlock: "",
      NetworkAclId: "",
      IsRemoteVpcSnat: false,
      CdcId: "",
      IsCdcSubnet: 0,
    });
    expect(subnets.NextToken).toBe("");
  });
});

describe("messages name the action's parameters", () => {
  it("never names a REST field, whichever rule refuses the value", async () => {
    const { provider, consumer, pvpc, cvpc, subnetId, serviceId } = await connected();
    const restField =
      /^(unknown field )?(name|vpcId|subnetId|cidrBlock|zone|ip|uin|tags|description|backendInstanceId|endpointServiceId|securityGroupIds?)\b/;
    const cases: Array<[() => Promise<unknown>, string, string]> = [
      [
        () =>
          consumer.client.CreateVpcEndPoint({
            VpcId: cvpc,
            SubnetId: subnetId,
            EndPointName: "x".repeat(81),
            EndPointServiceId: serviceId,
          }),
        "InvalidParameterValue.TooLong",
        "EndPointName: ",
      ],
      [
        () =>
          consumer.client.CreateVpcEndPoint({
            VpcId: cvpc,
            SubnetId: subnetId,
            EndPointName: "ok",
            EndPointServiceId: serviceId,
            EndPointVip: "10.9.9.9",
          }),
        "InvalidParameterValue",
        "EndPointVip: ",
      ],
      [
        () =>
          consumer.client.CreateVpcEndPoint({
            VpcId: cvpc,
            SubnetId: subnetId,
            EndPointName: "ok",
            EndPointServiceId: serviceId,
            Tags: [{ Key: "", Value: "v" }],
          }),
        "InvalidParameterValue",
        "Tags.0.Key",
      ],
      [
        () =>
          provider.client.ModifyVpcEndPointServiceAttribute({
            EndPointServiceId: serviceId,
            VpcId: pvpc,
            EndPointServiceName: "",
          }),
        "InvalidParameterValue",
        "EndPointServiceName: ",
      ],
      [
        () => consumer.client.CreateVpc({ VpcName: "v", CidrBlock: "8.8.8.0/24" }),
        "InvalidParameterValue",
        "CidrBlock: ",
      ],
      [
        () =>
          consumer.client.CreateSubnet({
            VpcId: cvpc,
            SubnetName: "s2",
            CidrBlock: "10.1.2.0/24",
            Zone: "eu-mars-1",
          }),
        "InvalidParameterValue",
        "Zone: ",
      ],
      [
        () =>
          consumer.client.CreateSubnet({
            VpcId: cvpc,
            SubnetName: "s3",
            CidrBlock: "10.1.1.0/25",
            Zone: "ap-guangzhou-1",
          }),
        "InvalidParameterValue.SubnetConflict",
        "CidrBlock: ",
      ],
      [
        () => consumer.client.CreateSecurityGroup({ GroupName: "", GroupDescription: "d" }),
        "InvalidParameterValue",
        "GroupName: ",
      ],
      [
        () =>
          provider.client.CreateVpcEndPointServiceWhiteList({
            UserUin: "not-a-uin",
            EndPointServiceId: serviceId,
          }),
        "InvalidParameterValue",
        "UserUin: ",
      ],
    ];
    for (const [call, code, prefix] of cases) {
      const error = await sdkError(call());
      expect(error.code.startsWith(code), `${error.code}: ${error.message}`).toBe(true);
      expect(error.message.startsWith(prefix), error.message).toBe(true);
      expect(error.message).not.toMatch(restField);
    }
  });
});
