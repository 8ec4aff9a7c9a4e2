import * as z from "zod";
import { Db } from "../db/client.ts";
import { RaceLostError, retryRaces } from "../db/errors.ts";
import type { StoredBase } from "../db/keys.ts";
import * as Keys from "../db/keys.ts";
import { getItem, type Page, type PageParams, queryPage } from "../db/page.ts";
import { transactWrite } from "../db/transact.ts";
import { NotFoundError, ResourceInUseError } from "../errors.ts";
import { randomDigits } from "../util/id.ts";
import { nowIso } from "../util/time.ts";
import { validate } from "../validation.ts";

/** An account: the tenant every resource belongs to, identified by a numeric UIN as in the reference. */
/* Imported as `import * as Account`: a bundle keeps only the functions its route calls. */

export const Uin = z.string().regex(/^[1-9][0-9]{4,19}$/, "must be a numeric UIN of 5 to 20 digits");

export const Info = z.object({
  uin: Uin,
  appId: z.string(),
  name: z.string(),
  createdAt: z.string(),
});
export type Info = z.infer<typeof Info>;

export const CreateInput = z.strictObject({
  uin: Uin.optional(),
  name: z.string().trim().min(1).max(60).optional(),
});
export type CreateInput = z.infer<typeof CreateInput>;

interface Stored extends StoredBase {
  type: "Account";
  uin: string;
  appId: string;
  name: string;
  createdAt: string;
  credentialCount?: number;
}

const VERSION = 1;

function toInfo(item: Record<string, unknown>): Info {
  const s = item as unknown as Stored;
  return { uin: s.uin, appId: s.appId, name: s.name, createdAt: s.createdAt };
}

/**
 * Creates an account. A given UIN that exists is ResourceInUse; an assigned UIN or AppId that happens
 * to collide is drawn again. Both are guarded by conditional puts in one transaction.
 */
export async function create(input: CreateInput): Promise<Info> {
  const parsed = validate(CreateInput, input);
  return retryRaces(5, async () => {
    const uin = parsed.uin ?? randomDigits(12);
    const appId = randomDigits(10);
    const createdAt = nowIso();
    const item: Stored = {
      ...Keys.account(uin),
      ...Keys.accountListing(createdAt, uin),
      type: "Account",
      v: VERSION,
      uin,
      appId,
      name: parsed.name ?? `account-${uin}`,
      createdAt,
      credentialCount: 0,
    };
    await transactWrite(
      [
        {
          Put: { TableName: Db.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" },
        },
        {
          Put: {
            TableName: Db.table(),
            Item: { ...Keys.appId(appId), type: "AppId", v: VERSION, uin },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ],
      {
        onCancelled: (reasons) => {
          if (reasons[0]?.Code === "ConditionalCheckFailed" && parsed.uin) {
            return new ResourceInUseError(`account ${uin} already exists`, { field: "uin" });
          }
          if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) return new RaceLostError();
          return undefined;
        },
      },
    );
    return toInfo(item as unknown as Record<string, unknown>);
  });
}

export async function get(uin: string): Promise<Info> {
  const item = await getItem(Keys.account(uin));
  if (!item) throw new NotFoundError("account", uin);
  return toInfo(item);
}

/** AppIds never change, so each process remembers the ones it has read. */
const appIds = new Map<string, string>();

/**
 * The AppId of an account: the reference API shows it where it says "owner" (`ServiceOwner`,
 * `EndPointOwner`, a service user's `Owner`), next to the UIN where it says "UIN".
 */
export async function appIdOf(uin: string): Promise<string> {
  const known = appIds.get(uin);
  if (known) return known;
  const { appId } = await get(uin);
  appIds.set(uin, appId);
  return appId;
}

export async function list(page: PageParams): Promise<Page<Info>> {
  const result = await queryPage({ index: "gsi1", partition: Keys.accountsPartition(), page });
  return { items: result.items.map(toInfo), nextCursor: result.nextCursor };
}
