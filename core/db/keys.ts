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

export const Keys = {
  account(uin: string): PrimaryKey {
    return { pk: `ACCT#${uin}`, sk: "#ACCT" };
  },
  accountListing(createdAt: string, uin: string) {
    return { gsi1pk: "ACCTS", gsi1sk: timeSortKey(createdAt, uin) };
  },
  accountsPartition(): string {
    return "ACCTS";
  },
  /** Guards AppId uniqueness: written in the same transaction as the account. */
  appId(appId: string): PrimaryKey {
    return { pk: `APPID#${appId}`, sk: "#APPID" };
  },

  /** Credentials are keyed by SecretId so that authentication is one GetItem. */
  credential(secretId: string): PrimaryKey {
    return { pk: `CRED#${secretId}`, sk: "#CRED" };
  },
  credentialListing(uin: string, createdAt: string, secretId: string) {
    return { gsi1pk: Keys.credentialsPartition(uin), gsi1sk: timeSortKey(createdAt, secretId) };
  },
  credentialsPartition(uin: string): string {
    return `ACCT#${uin}#CRED`;
  },

  owned(uin: string, type: OwnedType, id: string): PrimaryKey {
    return { pk: `ACCT#${uin}`, sk: `${type}#${id}` };
  },
  ownedListing(uin: string, type: OwnedType, region: string, createdAt: string, id: string) {
    return {
      gsi1pk: Keys.ownedRegionPartition(uin, type, region),
      gsi1sk: timeSortKey(createdAt, id),
      gsi2pk: Keys.ownedPartition(uin, type),
      gsi2sk: timeSortKey(createdAt, id),
    };
  },
  ownedRegionPartition(uin: string, type: OwnedType, region: string): string {
    return `ACCT#${uin}#${type}#${region}`;
  },
  ownedPartition(uin: string, type: OwnedType): string {
    return `ACCT#${uin}#${type}`;
  },

  job(name: string): PrimaryKey {
    return { pk: `JOB#${name}`, sk: "#JOB" };
  },
  heartbeat(): PrimaryKey {
    return { pk: "SYS", sk: "HEARTBEAT" };
  },
  heartbeatSeen(): PrimaryKey {
    return { pk: "SYS", sk: "HEARTBEAT_SEEN" };
  },
} as const;

/** Entity type stored on every item as `type`, with the stored-shape version as `v`. */
export type EntityType =
  | "Account"
  | "AppId"
  | "Credential"
  | "Vpc"
  | "Subnet"
  | "BackendInstance"
  | "SecurityGroup"
  | "JobState"
  | "Heartbeat"
  | "HeartbeatSeen";

export interface StoredBase extends PrimaryKey {
  type: EntityType;
  v: number;
}
