import { LAMBDA_RUNTIME } from "./plan";
import { encryptionKey, operatorToken } from "./secrets";
import { table } from "./table";

/** What every Linkplane function gets: the table, the secrets, the runtime (see core/config.ts). */
export const functionDefaults = {
  runtime: LAMBDA_RUNTIME,
  link: [table, operatorToken, encryptionKey],
  environment: {
    LINKPLANE_TABLE: table.name,
    LINKPLANE_OPERATOR_TOKEN: operatorToken.value,
    LINKPLANE_ENCRYPTION_KEY: encryptionKey.value,
    LINKPLANE_REGIONS: process.env.LINKPLANE_REGIONS ?? "ap-guangzhou,ap-shanghai,ap-beijing,ap-singapore",
  },
} as const;
