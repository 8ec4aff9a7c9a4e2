import { type Operation, PAGE } from "./operations-common.ts";
import { METRIC_OPERATIONS } from "./operations-metrics.ts";
import { PRIVATELINK_OPERATIONS } from "./operations-privatelink.ts";
import { WEBHOOK_OPERATIONS } from "./operations-webhooks.ts";

/** The five operations of an inventory resource (functions/api/inventory/crud.ts). */
function inventory(
  path: string,
  singular: string,
  plural: string,
  label: string,
  notes: { create: string; remove: string; createErrors?: string[] },
): Record<string, Operation> {
  const item = `${path}/{id}`;
  return {
    [`POST ${path}`]: {
      id: `create${singular}`,
      description: `Creates a ${label} owned by the caller. ${notes.create}`,
      errors: ["LimitExceeded", ...(notes.createErrors ?? [])],
    },
    [`GET ${path}`]: {
      id: `list${plural}`,
      description: `The caller's ${label}s, newest first, in one region or all. ${PAGE}`,
    },
    [`GET ${item}`]: {
      id: `get${singular}`,
      description: `One of the caller's ${label}s. Another account's ${label} is ResourceNotFound, as a missing one is.`,
    },
    [`PATCH ${item}`]: {
      id: `update${singular}`,
      description: `Changes the ${label}'s name (and description where it has one). Its ID, region and addresses never change.`,
    },
    [`DELETE ${item}`]: {
      id: `delete${singular}`,
      description: `Deletes the ${label}. ${notes.remove} Deleting is refused with ResourceInUse, not cascaded.`,
      errors: ["ResourceInUse"],
    },
  };
}

/**
 * Every operation of the OpenAPI document, by `METHOD path`: its operationId (what code generators name
 * methods after, so it never changes once published), a description of what the summary leaves out
 * (rules, side effects, what the stream does afterwards), and the error codes particular to it. The
 * errors every operation of its shape can answer (bad input, authentication, a missing resource, the
 * body limits, throttling) are added by `errorResponsesFor` in openapi.ts, from the catalogue in
 * core/errors.ts. test/unit/openapi.test.ts fails when a route has no entry here or an entry no route.
 */
export const OPERATIONS: Record<string, Operation> = {
  "GET /health": {
    id: "getHealth",
    description:
      "Needs no credentials. Reads the table once: 200 with the last heartbeat (written every minute by the heartbeat job and seen through the stream, with the lag between the two), or 503 when the table does not answer within the DynamoDB timeouts.",
  },

  // ---- Operator -----------------------------------------------------------------------------------
  "POST /v1/operator/accounts": {
    id: "createAccount",
    description:
      "Creates an account: the UIN is the one given or a new 12-digit one, the AppId is assigned; a UIN taken already is ResourceInUse. Accounts own everything else; an account has no credential until one is created.",
    errors: ["ResourceInUse"],
  },
  "GET /v1/operator/accounts": {
    id: "listAccounts",
    description: `Every account, newest first. ${PAGE}`,
  },
  "GET /v1/operator/accounts/{uin}": {
    id: "getAccount",
    description: "One account by UIN, with its AppId and creation time.",
  },
  "POST /v1/operator/accounts/{uin}/credentials": {
    id: "createCredential",
    description:
      "Creates a SecretId/SecretKey pair for the account. The SecretKey is stored encrypted (AES-256-GCM) and answered only here: keep it. An account holds a limited number of credentials (LimitExceeded beyond).",
    errors: ["LimitExceeded"],
  },
  "GET /v1/operator/accounts/{uin}/credentials": {
    id: "listCredentials",
    description: "The account's credentials with their status and creation time; never a SecretKey.",
  },
  "PATCH /v1/operator/accounts/{uin}/credentials/{secretId}": {
    id: "updateCredential",
    description:
      "Sets `status` to enabled or disabled. A disabled credential is refused at once by the process that changed it and within LINKPLANE_AUTH_CACHE_SECONDS (5 s by default) by the others.",
  },
  "DELETE /v1/operator/accounts/{uin}/credentials/{secretId}": {
    id: "deleteCredential",
    description:
      "Deletes the credential for good; requests signed with it fail as a disabled one's do. The account and its resources stay.",
  },
  "GET /v1/operator/jobs": {
    id: "listJobs",
    description:
      "Every scheduled job with its EventBridge schedule and the outcome of its last run, whoever fired it (`trigger`: schedule, manual or demo), with the job's summary or error.",
  },
  "POST /v1/operator/jobs/{name}/run": {
    id: "runJob",
    description:
      "Runs the job in this request, as its schedule would, and answers when it has finished. The run is recorded like a scheduled one (trigger manual); a failed run answers 200 with status failed and its error.",
  },

  // ---- Inventory ----------------------------------------------------------------------------------
  ...inventory("/v1/vpcs", "Vpc", "Vpcs", "VPC", {
    create:
      "`cidrBlock` must be a private block (10/8, 172.16/12, 192.168/16) between /16 and /28; blocks of different VPCs may overlap.",
    remove: "A VPC with subnets, backend instances or endpoint services in it cannot be deleted.",
  }),
  ...inventory("/v1/subnets", "Subnet", "Subnets", "subnet", {
    create:
      "The block must lie inside the VPC's and overlap no other subnet of it (InvalidParameterValue.SubnetConflict); the check and the write are one transaction guarded by the VPC's version, so concurrent creations cannot overlap.",
    remove: "A subnet with endpoints in it cannot be deleted.",
    createErrors: ["InvalidParameterValue.SubnetConflict"],
  }),
  ...inventory("/v1/backend-instances", "BackendInstance", "BackendInstances", "backend instance", {
    create:
      "A load balancer (CLB), MySQL (CDB) or Redis (CRS) instance at a VIP and port inside one of the caller's VPCs; it is what an endpoint service publishes.",
    remove: "An instance behind an endpoint service cannot be deleted.",
  }),
  ...inventory("/v1/security-groups", "SecurityGroup", "SecurityGroups", "security group", {
    create: "A group is regional and can be bound to the caller's endpoints in that region.",
    remove: "A group bound to an endpoint cannot be deleted.",
  }),

  // ---- Endpoint services, connections, allowlist, endpoints (operations-privatelink.ts) -----------
  ...PRIVATELINK_OPERATIONS,

  // ---- Metrics (operations-metrics.ts) ------------------------------------------------------------
  ...METRIC_OPERATIONS,

  // ---- Webhooks (operations-webhooks.ts) ----------------------------------------------------------
  ...WEBHOOK_OPERATIONS,

  // ---- The reference product's API ----------------------------------------------------------------
  "POST /": {
    id: "tencentCloudApi",
    description:
      'For the official Tencent Cloud SDKs, tccli and Terraform: point their endpoint here and use a Linkplane SecretId/SecretKey. Answers are always HTTP 200 with `{"Response": {...}}`; errors carry `Response.Error.Code` from docs/errors.md. docs/tencent-api.md lists the actions and fields served.',
  },
  "GET /": {
    id: "tencentCloudApiQuery",
    description:
      "Parameters flattened as the SDKs send them (`Filters.0.Name=vpc-id&Filters.0.Values.0=vpc-…`), signed with TC3-HMAC-SHA256 over the query string as sent. Same headers and answers as `POST /`.",
  },
};
