import { createRoute } from "@hono/zod-openapi";
import { handle } from "hono/aws-lambda";
import * as z from "zod";
import * as Account from "../../../core/account/index.ts";
import * as Credential from "../../../core/credential/index.ts";
import { PageParams } from "../../../core/db/page.ts";
import { createApi } from "../factory.ts";
import { jsonBody, jsonResponse, named, pageOf, security } from "../openapi.ts";

const AccountInfo = named(Account.Info, "Account");
const CredentialInfo = named(Credential.Info, "Credential");
const CredentialCreated = named(Credential.Created, "CredentialCreated");
const UinParam = z.object({
  uin: z
    .string()
    .max(24)
    .openapi({ param: { name: "uin", in: "path" }, example: "100012345678" }),
});
const CredentialParams = UinParam.extend({
  secretId: z
    .string()
    .max(64)
    .openapi({ param: { name: "secretId", in: "path" } }),
});
const common = { tags: ["Operator"], security: security("operator") };

export const app = createApi("operator")
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/operator/accounts",
      summary: "Create an account (UIN given or assigned, AppId assigned)",
      request: { body: { ...jsonBody(Account.CreateInput), required: false } },
      responses: { 201: jsonResponse(AccountInfo, "The account") },
    }),
    async (c) => c.json(await Account.create(c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/operator/accounts",
      summary: "List accounts, newest first",
      request: { query: PageParams },
      responses: { 200: jsonResponse(pageOf(AccountInfo), "A page of accounts") },
    }),
    async (c) => c.json(await Account.list(c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/operator/accounts/{uin}",
      summary: "Get an account",
      request: { params: UinParam },
      responses: { 200: jsonResponse(AccountInfo, "The account") },
    }),
    async (c) => c.json(await Account.get(c.req.valid("param").uin), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/v1/operator/accounts/{uin}/credentials",
      summary: "Create a credential; the SecretKey is in this answer and never again",
      request: { params: UinParam },
      responses: {
        201: jsonResponse(CredentialCreated, "The credential, with its SecretKey"),
      },
    }),
    async (c) => c.json(await Credential.create(c.req.valid("param").uin), 201),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/v1/operator/accounts/{uin}/credentials",
      summary: "List an account's credentials (never their keys)",
      request: { params: UinParam, query: PageParams },
      responses: { 200: jsonResponse(pageOf(CredentialInfo), "A page of credentials") },
    }),
    async (c) => {
      const { uin } = c.req.valid("param");
      await Account.get(uin);
      return c.json(await Credential.list(uin, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      path: "/v1/operator/accounts/{uin}/credentials/{secretId}",
      summary:
        "Enable or disable a credential (takes effect at once in this process, within the auth cache lifetime elsewhere)",
      request: { params: CredentialParams, body: jsonBody(z.strictObject({ status: Credential.Status })) },
      responses: { 200: jsonResponse(CredentialInfo, "The credential") },
    }),
    async (c) => {
      const { uin, secretId } = c.req.valid("param");
      return c.json(await Credential.setStatus(uin, secretId, c.req.valid("json").status), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/v1/operator/accounts/{uin}/credentials/{secretId}",
      summary: "Delete a credential",
      request: { params: CredentialParams },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      const { uin, secretId } = c.req.valid("param");
      await Credential.remove(uin, secretId);
      return c.body(null, 204);
    },
  );

export const handler = handle(app);
