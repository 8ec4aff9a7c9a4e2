import { LARGE_EXPORT, type Operation, PAGE } from "./operations-common.ts";

/* Endpoint services, their connections and allowlists, and endpoints: part of OPERATIONS (operations.ts). */

const CONNECTION_MOVES =
  "Moves follow the state machine in docs/privatelink.md; a move that is already done succeeds and changes nothing. Each real move writes a history entry in the same transaction and sends a webhook (connection.accepted / connection.rejected) through the stream.";

export const PRIVATELINK_OPERATIONS: Record<string, Operation> = {
  // ---- Endpoint services --------------------------------------------------------------------------
  "GET /v1/endpoint-services/export": {
    id: "exportEndpointServices",
    description: `The caller's services in a region, or with \`authorized=true\` the services it may connect to (their public fields), as CSV (RFC 4180, UTF-8 with BOM, CRLF), with the same filters and \`fields\` as the list, streamed 500 rows a query so any number of rows fits in little memory. Cells that a spreadsheet would run as a formula are prefixed with \`'\`. ${LARGE_EXPORT}`,
  },
  "POST /v1/endpoint-services": {
    id: "createEndpointService",
    description:
      "Publishes one of the caller's backend instances: it must be of the service's type, in the given VPC and not behind another service. With `autoAccept`, connections requested from then on are accepted by the stream consumer without the provider. Sends no webhook; counts against the account's service quota.",
    errors: [
      "UnsupportedOperation.InstanceMismatch",
      "UnsupportedOperation.VpcMismatch",
      "ResourceInUse",
      "LimitExceeded",
    ],
  },
  "GET /v1/endpoint-services": {
    id: "listEndpointServices",
    description: `The caller's services, filtered by \`q\` (ID or part of the name), \`vpcId\`, \`tag:<key>=<value>\`, with chosen \`fields\`. With \`authorized=true\`, also the services that allowlist the caller, showing only their public facts. A filtered page may hold fewer than \`limit\` items while \`nextCursor\` is set. ${PAGE}`,
  },
  "GET /v1/endpoint-services/{id}": {
    id: "getEndpointService",
    description:
      "One of the caller's services with its endpoint count. Another account's service is ResourceNotFound: consumers use verify or the authorized list.",
  },
  "PATCH /v1/endpoint-services/{id}": {
    id: "updateEndpointService",
    description:
      "Auto-accept applies to connections requested afterwards only. A rename reaches the endpoints' `serviceName` through the stream. A new backend must pass the creation checks and is swapped in one transaction. Sends endpoint-service.updated through the stream.",
    errors: ["UnsupportedOperation.InstanceMismatch", "UnsupportedOperation.VpcMismatch", "ResourceInUse"],
  },
  "DELETE /v1/endpoint-services/{id}": {
    id: "deleteEndpointService",
    description:
      "Refused with ResourceInUse while any connection is pending, accepting or available, unless `rejectConnections=true`: then the service is marked deleting (no new endpoints or acceptances), each live connection is rejected with its history entry, and the service is deleted. The stream then marks the endpoints left behind `serviceDeleted`, removes the allowlist and sends endpoint-service.deleted.",
    errors: ["ResourceInUse"],
  },
  "POST /v1/endpoint-services/{id}/verify": {
    id: "verifyEndpointService",
    description:
      "For a consumer before it creates an endpoint: `connectable: true` with the service's public facts, or `false` with the reason (ResourceUnavailable.ServiceWhiteListNotAdded, or ResourceUnavailable while the service is being deleted). An account not on the allowlist learns nothing else about the service. Changes nothing.",
  },

  // ---- Connections --------------------------------------------------------------------------------
  "GET /v1/endpoint-services/{id}/connections": {
    id: "listConnections",
    description: `The endpoints connected to one of the caller's services, with their owner, address and state (and the reference product's word for it), filtered by \`state\`. ${PAGE}`,
  },
  "POST /v1/endpoint-services/{id}/connections/accept": {
    id: "acceptConnections",
    description: `Accepts each listed endpoint on its own and answers one result per ID, in order: \`ok\` with the new state, or the error for that ID (ResourceNotFound, an illegal move, a service being deleted). ${CONNECTION_MOVES}`,
  },
  "POST /v1/endpoint-services/{id}/connections/reject": {
    id: "rejectConnections",
    description: `Rejects each listed endpoint on its own and answers one result per ID, in order. ${CONNECTION_MOVES}`,
  },
  "GET /v1/endpoint-services/{id}/connections/{endpointId}/history": {
    id: "getConnectionHistory",
    description:
      "Every state change of one connection to the caller's service: from, to, actor (a UIN, `system:auto-accept` or `system:service-deleted`), time and reason.",
  },

  // ---- Allowlist ----------------------------------------------------------------------------------
  "GET /v1/endpoint-services/{id}/allowlist": {
    id: "listAllowlist",
    description: `The accounts allowed to connect to the caller's service, with their description and connection limit; \`uin\` narrows it to one. ${PAGE}`,
  },
  "POST /v1/endpoint-services/{id}/allowlist": {
    id: "addAllowlistEntry",
    description:
      "Allows an existing account to create endpoints on the service, up to `connectionLimit` if given. The owner is always allowed and cannot be added; an account already on it is ResourceInUse. Sends allowlist.added to the provider's subscribers.",
    errors: ["UnsupportedOperation.UinNotFound", "ResourceInUse"],
  },
  "POST /v1/endpoint-services/{id}/allowlist/remove": {
    id: "removeAllowlistEntries",
    description:
      "Removes several accounts at once. Their existing connections stay unless `rejectConnections` is true, which rejects each live one with reason “removed from the allowlist”. An auto-acceptance still in flight for a removed account is rejected by the stream.",
  },
  "PATCH /v1/endpoint-services/{id}/allowlist/{uin}": {
    id: "updateAllowlistEntry",
    description:
      "A limit below the current count refuses new connections and leaves existing ones; `connectionLimit: null` lifts it.",
  },
  "DELETE /v1/endpoint-services/{id}/allowlist/{uin}": {
    id: "removeAllowlistEntry",
    description:
      "Removes one account, as the batch removal does. Adding it again later starts a new entry whose connection count starts at zero.",
  },

  // ---- Endpoints ----------------------------------------------------------------------------------
  "GET /v1/endpoints/export": {
    id: "exportEndpoints",
    description: `The caller's endpoints in a region as CSV (RFC 4180, UTF-8 with BOM, CRLF), with the list's filters and \`fields\`, streamed; the file is named endpoints-<region>-<date>.csv. Cells a spreadsheet would run as a formula are prefixed with \`'\`. ${LARGE_EXPORT}`,
  },
  "POST /v1/endpoints": {
    id: "createEndpoint",
    description:
      "Takes an address in the caller's subnet (the one asked for, or a free one at random) and requests a connection. Another account's service must allowlist the caller (403 otherwise, and nothing is written); the VPC and subnet must be the caller's and in the service's region. The endpoint starts pending, or accepting on an auto-accept service, which the stream consumer then accepts. A `clientToken` makes the request idempotent for 24 hours. Sends connection.requested.",
    errors: [
      "ResourceUnavailable.ServiceWhiteListNotAdded",
      "UnsupportedOperation.VpcMismatch",
      "InvalidParameterValue.Reserved",
      "ResourceInUse",
      "ResourceUnavailable",
      "IdempotentParameterMismatch",
      "LimitExceeded",
      "ResourceInsufficient.Subnet",
    ],
  },
  "GET /v1/endpoints": {
    id: "listEndpoints",
    description: `The caller's endpoints, filtered by \`q\`, \`vpcId\`, \`serviceId\`, \`state\` or tags, with chosen \`fields\`. A filtered page may hold fewer than \`limit\` items while \`nextCursor\` is set. ${PAGE}`,
  },
  "GET /v1/endpoints/{id}": {
    id: "getEndpoint",
    description:
      "One of the caller's endpoints: address, state (with the reference product's word), the service's name, `serviceDeleted` once its service is gone, and its security groups.",
  },
  "PATCH /v1/endpoints/{id}": {
    id: "updateEndpoint",
    description:
      "Tags are replaced whole. The address, subnet and service never change: create another endpoint.",
  },
  "DELETE /v1/endpoints/{id}": {
    id: "deleteEndpoint",
    description:
      "Deletes the endpoint in any state, frees its address and its place in the quotas, and writes a final `deleted` history entry. Sends connection.deleted to the consumer's and the provider's subscribers.",
  },
  "GET /v1/endpoints/{id}/security-groups": {
    id: "listEndpointSecurityGroups",
    description: "The groups bound to the endpoint, each with its priority (its position, 1 first).",
  },
  "PUT /v1/endpoints/{id}/security-groups": {
    id: "setEndpointSecurityGroups",
    description:
      "Binds exactly these groups (at most 5), in this order; an empty list unbinds all. Each must be the caller's and in the endpoint's region. A bound group cannot be deleted.",
  },
  "DELETE /v1/endpoints/{id}/security-groups/{sgId}": {
    id: "unbindEndpointSecurityGroup",
    description: "Unbinds one group; the others keep their order and move up.",
  },
  "GET /v1/endpoints/{id}/history": {
    id: "getEndpointHistory",
    description:
      "Every state change of the caller's endpoint: from, to, actor and reason, as the provider sees it in the connection's history.",
  },
};
