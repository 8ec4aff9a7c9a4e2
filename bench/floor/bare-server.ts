import { createServer, type ServerResponse } from "node:http";
import { Db } from "../../core/db/client.ts";

/**
 * The hop alone (bench/api.ts): node:http with no framework in its own process, making the raw floors'
 * own calls through the same client as Linkplane: `/items/{pk}/{sk}` one GetItem, `/page/{gsi1pk}` the
 * list's Query of 20. Against those calls made directly it is what any server in another process costs
 * before a framework or Linkplane runs: the part of a request no code of ours can remove.
 */
async function read(kind: string | undefined, a: string, b: string): Promise<unknown> {
  if (kind === "items") return Db.getItem({ pk: a, sk: b }, false);
  if (kind !== "page") return undefined;
  const out = await Db.query({
    TableName: Db.table(),
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": a },
    ScanIndexForward: false,
    Limit: 20,
  });
  return { items: out.Items };
}

function answer(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer(async (req, res) => {
  try {
    const [, kind, a = "", b = ""] = (req.url ?? "").split("/").map(decodeURIComponent);
    const found = await read(kind, a, b);
    answer(res, found ? 200 : 404, found ?? { code: "NotFound" });
  } catch (error) {
    // A failed call is the bench's to report (it checks every status), not a reason to end the floor.
    answer(res, 500, { code: "FloorFailed", message: (error as Error).message });
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.FLOOR_PORT), "127.0.0.1", () => process.stdout.write("ready\n"));
