/**
 * Every key in the table is built here and nowhere else. docs/data-model.md lists the access pattern
 * each one serves. Tenancy lives in the keys: everything an account owns sits under `ACCT#<uin>`, so a
 * query built from the caller's UIN cannot reach another account's items even if a check is missed.
 */

export interface PrimaryKey {
  pk: string;
  sk: string;
}

/** Sort key that orders by creation time and breaks ties by ID: `2026-11-29T08:00:00.000Z#vpc-abc`. */
export function timeSortKey(createdAt: string, id: string): string {
  return `${createdAt}#${id}`;
}

/** Inventory and Private Link resources owned by an account, listed per region and across regions. */
export type OwnedType = "VPC" | "SUBNET" | "BACKEND" | "SG";

/* The key builders below are imported as `import * as Keys`: a bundle keeps only the ones it calls. */

export function account(uin: string): PrimaryKey {
  return { pk: `ACCT#${uin}`, sk: "#ACCT" };
}
export function accountListing(createdAt: string, uin: string) {
  return { gsi1pk: "ACCTS", gsi1sk: timeSortKey(createdAt, uin) };
}
export function accountsPartition(): string {
  return "ACCTS";
}
/** Guards AppId uniqueness: written in the same transaction as the account. */
export function appId(appId: string): PrimaryKey {
  return { pk: `APPID#${appId}`, sk: "#APPID" };
}

/** A request signature already accepted once (replay protection); expires by TTL. */
export function usedSignature(signature: string): PrimaryKey {
  return { pk: `SIG#${signature}`, sk: "#SIG" };
}

/** Credentials are keyed by SecretId so that authentication is one GetItem. */
export function credential(secretId: string): PrimaryKey {
  return { pk: `CRED#${secretId}`, sk: "#CRED" };
}
export function credentialListing(uin: string, createdAt: string, secretId: string) {
  return { gsi1pk: credentialsPartition(uin), gsi1sk: timeSortKey(createdAt, secretId) };
}
export function credentialsPartition(uin: string): string {
  return `ACCT#${uin}#CRED`;
}

export function owned(uin: string, type: OwnedType, id: string): PrimaryKey {
  return { pk: `ACCT#${uin}`, sk: `${type}#${id}` };
}
export function ownedListing(uin: string, type: OwnedType, region: string, createdAt: string, id: string) {
  return {
    gsi1pk: ownedRegionPartition(uin, type, region),
    gsi1sk: timeSortKey(createdAt, id),
    gsi2pk: ownedPartition(uin, type),
    gsi2sk: timeSortKey(createdAt, id),
  };
}
export function ownedRegionPartition(uin: string, type: OwnedType, region: string): string {
  return `ACCT#${uin}#${type}#${region}`;
}
export function ownedPartition(uin: string, type: OwnedType): string {
  return `ACCT#${uin}#${type}`;
}

// ---- Private Link. Services and endpoints are addressed by ID from two accounts (provider and
// consumer), so their items have global keys; each has one accessor that checks the owner, and every
// write carries the owner in its condition. Their listings are still keyed by account.

export function service(id: string): PrimaryKey {
  return { pk: `SVC#${id}`, sk: "#SVC" };
}
export function serviceListing(uin: string, region: string, createdAt: string, id: string) {
  return {
    gsi1pk: `ACCT#${uin}#SVC#${region}`,
    gsi1sk: timeSortKey(createdAt, id),
    gsi2pk: `ACCT#${uin}#SVC`,
    gsi2sk: timeSortKey(createdAt, id),
    // The owner may always connect: its own services are among the services it may connect to.
    ...grantListing(uin, region, createdAt, id),
  };
}
export function servicesRegionPartition(uin: string, region: string): string {
  return `ACCT#${uin}#SVC#${region}`;
}
export function servicesPartition(uin: string): string {
  return `ACCT#${uin}#SVC`;
}
/** Services an account may connect to (its own and those that allowlist it), per region. */
export function grantListing(uin: string, region: string, createdAt: string, serviceId: string) {
  return { gsi3pk: grantsPartition(uin, region), gsi3sk: timeSortKey(createdAt, serviceId) };
}
export function grantsPartition(uin: string, region: string): string {
  return `ACCT#${uin}#GRANT#${region}`;
}
export function allowlistEntry(serviceId: string, uin: string): PrimaryKey {
  return { pk: `SVC#${serviceId}`, sk: `ALLOW#${uin}` };
}
export function allowlistPrefix(): string {
  return "ALLOW#";
}

export function endpoint(id: string): PrimaryKey {
  return { pk: `VPCE#${id}`, sk: "#VPCE" };
}
export function endpointListing(
  uin: string,
  region: string,
  serviceId: string,
  createdAt: string,
  id: string,
) {
  return {
    gsi1pk: `ACCT#${uin}#VPCE#${region}`,
    gsi1sk: timeSortKey(createdAt, id),
    gsi2pk: `ACCT#${uin}#VPCE`,
    gsi2sk: timeSortKey(createdAt, id),
    gsi3pk: connectionsPartition(serviceId),
    gsi3sk: timeSortKey(createdAt, id),
  };
}
export function endpointsRegionPartition(uin: string, region: string): string {
  return `ACCT#${uin}#VPCE#${region}`;
}
export function endpointsPartition(uin: string): string {
  return `ACCT#${uin}#VPCE`;
}
/** A service's connections (its endpoints, whoever owns them), newest first. */
export function connectionsPartition(serviceId: string): string {
  return `SVC#${serviceId}#CONN`;
}
/** One entry of a connection's state history; the sequence is the endpoint's `stateVersion`. */
export function history(endpointId: string, sequence: number): PrimaryKey {
  return { pk: `VPCE#${endpointId}`, sk: `HIST#${String(sequence).padStart(6, "0")}` };
}
export function historyPrefix(): string {
  return "HIST#";
}
/** Reserves one address of one subnet: the conditional put that makes IPs unique. */
export function ipReservation(uin: string, subnetId: string, ip: number): PrimaryKey {
  return { pk: ipReservations(uin, subnetId), sk: `IP#${String(ip).padStart(10, "0")}` };
}
export function ipReservations(uin: string, subnetId: string): string {
  return `IPS#${uin}#${subnetId}`;
}
/** Makes endpoint creation idempotent per account and client token. */
export function clientToken(uin: string, token: string): PrimaryKey {
  return { pk: `TOKEN#${uin}#${token}`, sk: "#TOKEN" };
}

// ---- Metrics. Minutes live in one partition per resource and UTC day; each raw item also carries
// an hour marker on gsi3 (sharded 16 ways) so the hourly job finds every resource that had data
// in an hour without a scan and without a separate marker write.

export function metricMinute(resourceId: string, minute: number): PrimaryKey {
  return { pk: metricMinutes(resourceId, minute), sk: String(minute).padStart(10, "0") };
}
export function metricMinutes(resourceId: string, at: number): string {
  return `MMIN#${resourceId}#${new Date(at * 1000).toISOString().slice(0, 10)}`;
}
export function metricHourMarker(resourceId: string, minute: number) {
  const hour = minute - (minute % 3600);
  return {
    gsi3pk: metricHourShard(hour, shardOf(resourceId)),
    gsi3sk: `${resourceId}#${String(minute).padStart(10, "0")}`,
  };
}
export function metricHourShard(hour: number, shard: number): string {
  return `MDIRTY#H#${hour}#${shard}`;
}
export function metricHour(resourceId: string, hour: number): PrimaryKey {
  return { pk: `MHOUR#${resourceId}`, sk: String(hour).padStart(10, "0") };
}
/** Hourly buckets carry a day marker the same way, for the daily job. */
export function metricDayMarker(resourceId: string, hour: number) {
  const day = hour - (hour % 86_400);
  return {
    gsi3pk: metricDayShard(day, shardOf(resourceId)),
    gsi3sk: `${resourceId}#${String(hour).padStart(10, "0")}`,
  };
}
export function metricDayShard(day: number, shard: number): string {
  return `MDIRTY#D#${day}#${shard}`;
}
export function metricDay(resourceId: string, day: number): PrimaryKey {
  return { pk: `MDAY#${resourceId}`, sk: String(day).padStart(10, "0") };
}
/** The last hour (or day) rolled up: the jobs' watermark. */
export function rollupWatermark(kind: "hourly" | "daily"): PrimaryKey {
  return { pk: "SYS", sk: `ROLLUP#${kind}` };
}
/** An hour (or day) that got data after it was rolled, to be rolled again. */
export function lateMarker(kind: "hourly" | "daily", start: number): PrimaryKey {
  return { pk: `LATE#${kind}`, sk: String(start).padStart(10, "0") };
}
export function latePartition(kind: "hourly" | "daily"): string {
  return `LATE#${kind}`;
}
/**
 * One fan-out round of the hourly rollup for an hour: which of its 16 shards are done, and whether
 * the hour was completed (service hours written, watermark moved). Rolling an hour again reuses it.
 */
export function rollupRound(hour: number): PrimaryKey {
  return { pk: "RROUND#hourly", sk: String(hour).padStart(10, "0") };
}
/**
 * What one shard worker found of one service in an hour: its endpoints' minutes summed (and the
 * service's own stream minutes), for the step that completes the hour. A partition per hour and shard.
 */
export function rollupPart(hour: number, shard: number, serviceId: string): PrimaryKey {
  return { pk: rollupParts(hour, shard), sk: serviceId };
}
export function rollupParts(hour: number, shard: number): string {
  return `RPART#H#${hour}#${shard}`;
}

/** Scheduled metric exports: owned by an account; active ones are also indexed by schedule (sparse). */
export function metricExport(uin: string, id: string): PrimaryKey {
  return { pk: `ACCT#${uin}`, sk: `MEXP#${id}` };
}
export function metricExportListing(uin: string, createdAt: string, id: string) {
  return { gsi1pk: metricExportsPartition(uin), gsi1sk: timeSortKey(createdAt, id) };
}
export function metricExportsPartition(uin: string): string {
  return `ACCT#${uin}#MEXP`;
}
/** Only active exports carry these attributes, so the job's Query finds exactly what is due. */
export function metricExportsDue(schedule: string, createdAt: string, id: string) {
  return { gsi2pk: metricExportsDuePartition(schedule), gsi2sk: timeSortKey(createdAt, id) };
}
export function metricExportsDuePartition(schedule: string): string {
  return `MEXP#ACTIVE#${schedule}`;
}
/** One run per export and period: the period start is the sort key, so it cannot be written twice. */
export function metricExportRun(exportId: string, periodStart: number): PrimaryKey {
  return { pk: `MEXP#${exportId}`, sk: `RUN#${String(periodStart).padStart(10, "0")}` };
}
export function metricExportRuns(exportId: string): string {
  return `MEXP#${exportId}`;
}

// ---- Webhooks. Subscriptions sit under the account (at most 20, one Query lists them all); messages
// and their attempts under the subscription, newest first. Pending messages also carry a due time on
// gsi2 (sharded), so the retry job finds what is due with Queries and never a Scan.

export function webhook(uin: string, id: string): PrimaryKey {
  return { pk: `ACCT#${uin}`, sk: `WHK#${id}` };
}
export function webhookPrefix(): string {
  return "WHK#";
}
export function webhookMessage(subscriptionId: string, messageId: string): PrimaryKey {
  return { pk: webhookMessages(subscriptionId), sk: `MSG#${messageId}` };
}
export function webhookMessages(subscriptionId: string): string {
  return `WHK#${subscriptionId}`;
}
export function webhookMessagePrefix(): string {
  return "MSG#";
}
/** A subscription's messages in one status, newest first (the status listing). */
export function webhookMessageStatus(subscriptionId: string, status: string, messageId: string) {
  return { gsi1pk: webhookMessagesInStatus(subscriptionId, status), gsi1sk: messageId };
}
export function webhookMessagesInStatus(subscriptionId: string, status: string): string {
  return `WHK#${subscriptionId}#${status}`;
}
/** Only pending messages carry these: the retry job's Query per shard finds exactly what is due. */
export function webhookDue(messageId: string, dueAt: string) {
  return {
    gsi2pk: webhookDueShard(shardOf(messageId, WEBHOOK_SHARDS)),
    gsi2sk: `${dueAt}#${messageId}`,
  };
}
export function webhookDueShard(shard: number): string {
  return `WDUE#${shard}`;
}

export function job(name: string): PrimaryKey {
  return { pk: `JOB#${name}`, sk: "#JOB" };
}
export function heartbeat(): PrimaryKey {
  return { pk: "SYS", sk: "HEARTBEAT" };
}
export function heartbeatSeen(): PrimaryKey {
  return { pk: "SYS", sk: "HEARTBEAT_SEEN" };
}

/** Marker shards for metrics: enough to spread 100,000 endpoints' writes, few enough to read. */
export const METRIC_SHARDS = 16;

/** Due-time shards for webhook retries: spreads a burst of retries over partitions, few enough to poll. */
export const WEBHOOK_SHARDS = 8;

function shardOf(resourceId: string, shards = METRIC_SHARDS): number {
  let h = 0;
  for (let i = 0; i < resourceId.length; i++) h = (h * 31 + resourceId.charCodeAt(i)) >>> 0;
  return h % shards;
}

/** Entity type stored on every item as `type`, with the stored-shape version as `v`. */
export type EntityType =
  | "Account"
  | "AppId"
  | "Credential"
  | "UsedSignature"
  | "Vpc"
  | "Subnet"
  | "BackendInstance"
  | "SecurityGroup"
  | "EndpointService"
  | "AllowlistEntry"
  | "Endpoint"
  | "ConnectionHistory"
  | "IpReservation"
  | "ClientToken"
  | "MetricMinute"
  | "MetricHour"
  | "MetricDay"
  | "RollupWatermark"
  | "LateMarker"
  | "RollupRound"
  | "RollupPart"
  | "MetricExport"
  | "MetricExportRun"
  | "JobState"
  | "WebhookSubscription"
  | "WebhookMessage"
  | "Heartbeat"
  | "HeartbeatSeen";

export interface StoredBase extends PrimaryKey {
  type: EntityType;
  v: number;
}
