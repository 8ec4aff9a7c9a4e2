import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { Db } from "../../core/db/client.ts";

/**
 * The floor with the HTTP hop (bench/api.ts): the smallest server on the same stack as `npm start`
 * (Hono on @hono/node-server, the same DynamoDB client and read as Linkplane's GET) in its own process,
 * answering one GetItem. Linkplane against it is what Linkplane adds to a request; against the raw
 * GetItem, what the hop adds too.
 */
const app = new Hono();
app.get("/items/:pk/:sk", async (c) => {
  const item = await Db.getItem({ pk: c.req.param("pk"), sk: c.req.param("sk") }, false);
  return item ? c.json(item) : c.json({ code: "NotFound" }, 404);
});

serve({ fetch: app.fetch, port: Number(process.env.FLOOR_PORT), hostname: "127.0.0.1" }, () =>
  process.stdout.write("ready\n"),
);
