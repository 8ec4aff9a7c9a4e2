import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import type { Page, PageParams as PageParamsType } from "../../../core/db/page.ts";
import { PageParams } from "../../../core/db/page.ts";
import { callerUin, createApi } from "../factory.ts";
import { IdParam, jsonBody, jsonResponse, named, pageOf, security } from "../openapi.ts";

/** The operations an inventory resource module in `core/inventory` offers, all scoped by the caller. */
export interface InventoryOps<Info> {
  create(uin: string, input: never): Promise<Info>;
  get(uin: string, id: string): Promise<Info>;
  list(uin: string, region: string | undefined, page: PageParamsType): Promise<Page<Info>>;
  update(uin: string, id: string, input: never): Promise<Info>;
  remove(uin: string, id: string): Promise<void>;
}

export interface InventoryApiOptions<Info> {
  /** Collection path, e.g. `/v1/vpcs`. */
  path: string;
  /** OpenAPI component name and tag, e.g. `Vpc`. */
  name: string;
  label: string;
  exampleId: string;
  info: z.ZodType<Info>;
  createInput: z.ZodType;
  updateInput: z.ZodType;
  ops: InventoryOps<Info>;
}

const ListQuery = PageParams.extend({
  region: z
    .string()
    .max(32)
    .optional()
    .openapi({ description: "Only this region; all regions when omitted" }),
});

/** Create, list, get, rename and delete for one inventory resource, each handler a line of `core/` calls. */
export function inventoryApi<Info>(o: InventoryApiOptions<Info>) {
  const info = named(o.info as z.ZodObject, o.name);
  const common = { tags: ["Inventory"], security: security("account") };
  const byId = { params: IdParam(`${o.label} ID`, o.exampleId) };
  const ops = o.ops as unknown as {
    create(uin: string, input: unknown): Promise<Info>;
    update(uin: string, id: string, input: unknown): Promise<Info>;
  } & InventoryOps<Info>;
  const item = `${o.path}/{id}`;

  return createApi("account")
    .openapi(
      createRoute({
        ...common,
        method: "post",
        path: o.path,
        summary: `Create a ${o.label}`,
        request: { body: jsonBody(o.createInput) },
        responses: { 201: jsonResponse(info, `The ${o.label}`) },
      }),
      async (c) => c.json((await ops.create(callerUin(c), c.req.valid("json"))) as object, 201),
    )
    .openapi(
      createRoute({
        ...common,
        method: "get",
        path: o.path,
        summary: `List ${o.label}s, newest first`,
        request: { query: ListQuery },
        responses: { 200: jsonResponse(pageOf(info), `A page of ${o.label}s`) },
      }),
      async (c) => {
        const { region, ...page } = c.req.valid("query");
        return c.json(
          (await ops.list(callerUin(c), region, page)) as { items: object[]; nextCursor: string | null },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        ...common,
        method: "get",
        path: item,
        summary: `Get a ${o.label}`,
        request: byId,
        responses: { 200: jsonResponse(info, `The ${o.label}`) },
      }),
      async (c) => c.json((await ops.get(callerUin(c), c.req.valid("param").id)) as object, 200),
    )
    .openapi(
      createRoute({
        ...common,
        method: "patch",
        path: item,
        summary: `Rename a ${o.label}`,
        request: { ...byId, body: jsonBody(o.updateInput) },
        responses: { 200: jsonResponse(info, `The ${o.label}`) },
      }),
      async (c) =>
        c.json((await ops.update(callerUin(c), c.req.valid("param").id, c.req.valid("json"))) as object, 200),
    )
    .openapi(
      createRoute({
        ...common,
        method: "delete",
        path: item,
        summary: `Delete a ${o.label} (ResourceInUse while something uses it)`,
        request: byId,
        responses: { 204: { description: "Deleted" } },
      }),
      async (c) => {
        await ops.remove(callerUin(c), c.req.valid("param").id);
        return c.body(null, 204);
      },
    );
}
