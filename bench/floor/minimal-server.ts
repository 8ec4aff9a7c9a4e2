import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { Db } from "../../core/db/client.ts";

/**
 * The floor with the HTTP hop (bench/api.ts): the smallest server on the same stack as `npm start`
 * (Hono on @hono/node-server, the same document client and its configuration) in its own process,
 * answering one GetItem. Linkplane against it is what Linkplane adds to a request; against the raw
 * GetItem, what the hop adds too.
 */
const app = new Hono();
app.get("/items/:pk/:sk", async (c) => {
  const out = await Db.client().send(
    new GetCommand({ TableName: Db.table(), Key: { pk: c.req.param("pk"), sk: c.req.param("sk") } }),
  );
  return out.Item ? c.json(out.Item) : c.json({ code: "NotFound" }, 404);
});

serve({ fetch: app.fetch, port: Number(process.env.FLOOR_PORT), hostname: "127.0.0.1" }, () =>
  process.stdout.write("ready\n"),
);
