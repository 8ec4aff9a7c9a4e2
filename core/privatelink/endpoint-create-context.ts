import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { Db } from "../db/client.ts";
import { call } from "../db/errors.ts";
import * as Keys from "../db/keys.ts";
import { LinkplaneError, NotFoundError, UnsupportedOperationError } from "../errors.ts";
import type * as SecurityGroup from "../inventory/security-group.ts";
import type * as Subnet from "../inventory/subnet.ts";
import type * as Vpc from "../inventory/vpc.ts";
import { Cidr, type Ipv4Cidr } from "../util/cidr.ts";
import type * as Endpoint from "./endpoint.ts";
import type * as EndpointService from "./service.ts";

/*
 * What creating an endpoint reads before its transaction (endpoint-create.ts), and the checks that need
 * no write: a request refused here costs one BatchGetItem and writes nothing.
 */

export interface Context {
  service: EndpointService.Stored;
  subnet: Subnet.Stored;
  block: Ipv4Cidr;
  vpc: Vpc.Stored;
  securityGroup?: SecurityGroup.Stored;
  allowlistEntry?: { createdAt: string };
}

/** One BatchGetItem for the service and the caller's VPC, subnet and security group. */
export async function context(uin: string, input: Endpoint.CreateInput): Promise<Context> {
  const keys: Record<string, unknown>[] = [
    { ...Keys.service(input.endpointServiceId) },
    { ...Keys.owned(uin, "VPC", input.vpcId) },
    { ...Keys.owned(uin, "SUBNET", input.subnetId) },
  ];
  if (input.securityGroupId) keys.push({ ...Keys.owned(uin, "SG", input.securityGroupId) });
  keys.push({ ...Keys.allowlistEntry(input.endpointServiceId, uin) });
  const out = await call(() =>
    Db.client().send(
      new BatchGetCommand({ RequestItems: { [Db.table()]: { Keys: keys, ConsistentRead: true } } }),
    ),
  );
  const items = out.Responses?.[Db.table()] ?? [];
  const byType = (type: string) => items.find((i) => i.type === type);
  const vpc = byType("Vpc") as Vpc.Stored | undefined;
  const subnet = byType("Subnet") as Subnet.Stored | undefined;
  const service = byType("EndpointService") as EndpointService.Stored | undefined;
  const securityGroup = byType("SecurityGroup") as SecurityGroup.Stored | undefined;
  const allowlistEntry = byType("AllowlistEntry") as { createdAt: string } | undefined;
  if (!vpc) throw new NotFoundError("VPC", input.vpcId, { field: "vpcId" });
  if (!subnet) throw new NotFoundError("subnet", input.subnetId, { field: "subnetId" });
  if (subnet.vpcId !== vpc.id) {
    throw new UnsupportedOperationError(
      "UnsupportedOperation.VpcMismatch",
      `subnet ${subnet.id} is in ${subnet.vpcId}, not in ${vpc.id}`,
      { field: "subnetId" },
    );
  }
  if (service?.status !== "active") {
    throw new NotFoundError("endpoint service", input.endpointServiceId, { field: "endpointServiceId" });
  }
  // Nothing about someone else's service is told to an account it does not allowlist.
  if (service.ownerUin !== uin && !allowlistEntry) throw notAllowlisted(uin, service.id);
  if (service.region !== vpc.region) {
    throw new UnsupportedOperationError(
      "UnsupportedOperation.VpcMismatch",
      `endpoint service ${service.id} is in ${service.region}; VPC ${vpc.id} is in ${vpc.region}`,
      { field: "endpointServiceId" },
    );
  }
  if (input.securityGroupId && (!securityGroup || securityGroup.region !== vpc.region)) {
    throw new NotFoundError("security group", input.securityGroupId, { field: "securityGroupId" });
  }
  const block = Cidr.parse(subnet.cidrBlock);
  if (!block.ok) throw new Error(`stored subnet ${subnet.id} has a bad CIDR`);
  return { service, subnet, block: block.cidr, vpc, securityGroup, allowlistEntry };
}

export function notAllowlisted(uin: string, serviceId: string): LinkplaneError {
  return new LinkplaneError(
    "forbidden",
    "ResourceUnavailable.ServiceWhiteListNotAdded",
    `account ${uin} is not on the allowlist of endpoint service ${serviceId}`,
    { field: "endpointServiceId" },
  );
}
