import { InternalError } from "../../../core/errors.ts";
import type * as SecurityGroup from "../../../core/inventory/security-group.ts";
import type * as Subnet from "../../../core/inventory/subnet.ts";
import type * as Vpc from "../../../core/inventory/vpc.ts";
import type * as Allowlist from "../../../core/privatelink/allowlist.ts";
import { REFERENCE_STATE, type Tag } from "../../../core/privatelink/common.ts";
import type * as Endpoint from "../../../core/privatelink/endpoint.ts";
import type * as EndpointService from "../../../core/privatelink/service.ts";

/**
 * Domain answers in the reference API's models (VPC API 2017-03-12, as in tencentcloud-sdk-nodejs'
 * vpc_models.ts). Times are "YYYY-MM-DD HH:MM:SS" in Beijing time (UTC+8), as the reference gives them.
 */
export function tcTime(iso: string): string {
  const shifted = new Date(Date.parse(iso) + 8 * 3_600_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 19)}`;
}

export function tcTags(tags: Tag[]): Array<{ Key: string; Value: string }> {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}

export function fromTcTags(tags: Array<{ Key: string; Value?: string }> | undefined): Tag[] | undefined {
  return tags?.map((t) => ({ key: t.Key, value: t.Value ?? "" }));
}

/** UIN → AppId of the accounts an answer names: owners are shown by AppId, as the reference does. */
export type AppIds = ReadonlyMap<string, string>;

function appIdOf(appIds: AppIds, uin: string): string {
  const appId = appIds.get(uin);
  if (appId === undefined) throw new InternalError(`the AppId of ${uin} was not looked up`);
  return appId;
}

export function endPoint(e: Endpoint.Info, appIds: AppIds, service?: { vpcId?: string; vip?: string }) {
  return {
    EndPointId: e.id,
    VpcId: e.vpcId,
    SubnetId: e.subnetId,
    EndPointOwner: appIdOf(appIds, e.ownerUin),
    EndPointName: e.name,
    ServiceVpcId: service?.vpcId ?? "",
    ServiceVip: service?.vip ?? "",
    EndPointServiceId: e.endpointServiceId,
    EndPointVip: e.ip,
    State: REFERENCE_STATE[e.state],
    CreateTime: tcTime(e.createdAt),
    GroupSet: e.securityGroupIds,
    ServiceName: e.serviceName,
    TagSet: tcTags(e.tags),
  };
}

export function endPointService(s: EndpointService.Info, endpoints: Endpoint.Info[], appIds: AppIds) {
  return {
    EndPointServiceId: s.id,
    VpcId: s.vpcId,
    ServiceOwner: appIdOf(appIds, s.ownerUin),
    ServiceName: s.name,
    ServiceVip: s.serviceVip,
    ServiceInstanceId: s.backendInstanceId,
    AutoAcceptFlag: s.autoAccept,
    EndPointCount: s.endpointCount,
    EndPointSet: endpoints.map((e) => endPoint(e, appIds, { vpcId: s.vpcId, vip: s.serviceVip })),
    CreateTime: tcTime(s.createdAt),
    ServiceType: s.serviceType,
    ServiceUin: s.ownerUin,
    BusinessIpType: 0,
    TagSet: tcTags(s.tags),
  };
}

/**
 * Someone else's service the caller may connect to (IsListAuthorizedEndPointService): everything the
 * owner's view shows except where the service sits in the owner's network (VpcId, ServiceVip,
 * ServiceInstanceId) and who else is connected (EndPointSet, empty). The list is in docs/tencent-api.md.
 */
export function authorizedService(s: EndpointService.Info, appIds: AppIds) {
  const { VpcId, ServiceVip, ServiceInstanceId, ...shown } = endPointService(s, [], appIds);
  return shown;
}

export function serviceUser(serviceId: string, ownerAppId: string, e: Allowlist.Info) {
  return {
    Owner: Number(ownerAppId),
    UserUin: e.uin,
    Description: e.description,
    CreateTime: tcTime(e.createdAt),
    EndPointServiceId: serviceId,
  };
}

export function vpc(v: Vpc.Info) {
  return {
    VpcName: v.name,
    VpcId: v.id,
    CidrBlock: v.cidrBlock,
    IsDefault: false,
    EnableMulticast: false,
    CreatedTime: tcTime(v.createdAt),
    DnsServerSet: [],
    DomainName: "",
    DhcpOptionsId: "",
    EnableDhcp: true,
    Ipv6CidrBlock: "",
    TagSet: [],
    AssistantCidrSet: [],
    EnableRouteVpcPublish: false,
    Ipv6CidrBlockSet: [],
    EnableRouteVpcPublishIpv6: false,
  };
}

export function subnet(s: Subnet.Info) {
  return {
    VpcId: s.vpcId,
    SubnetId: s.id,
    SubnetName: s.name,
    CidrBlock: s.cidrBlock,
    IsDefault: false,
    EnableBroadcast: false,
    Zone: s.zone,
    RouteTableId: "",
    CreatedTime: tcTime(s.createdAt),
    AvailableIpAddressCount: s.availableIpCount,
    TotalIpAddressCount: s.totalIpCount,
    TagSet: [],
    // What a subnet without IPv6, network ACLs, remote SNAT or CDC shows.
    Ipv6CidrBlock: "",
    NetworkAclId: "",
    IsRemoteVpcSnat: false,
    CdcId: "",
    IsCdcSubnet: 0,
  };
}

export function securityGroup(g: SecurityGroup.Info) {
  return {
    SecurityGroupId: g.id,
    SecurityGroupName: g.name,
    SecurityGroupDesc: g.description,
    ProjectId: "0",
    IsDefault: false,
    CreatedTime: tcTime(g.createdAt),
    TagSet: [],
    UpdateTime: tcTime(g.createdAt),
  };
}
