import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface Delivery {
  id: string;
  timestamp: string;
  signature: string;
  userAgent: string;
  body: string;
  event: { type: string; timestamp: string; data: Record<string, any> };
}

export type Behaviour = (d: Delivery, res: ServerResponse) => void | Promise<void>;

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Deliveries whose event has this type. */
  of(type: string): Delivery[];
  /** What the next requests get: 204 unless told. */
  behave(b: Behaviour): void;
  /** Verifies every delivery so far with the spec's own package; throws on the first bad one. */
  verifyAll(secret: string): void;
  close(): Promise<void>;
}

export const answer =
  (status: number, body = "") =>
  (_d: Delivery, res: ServerResponse) => {
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(body);
  };

/** A real HTTP receiver on 127.0.0.1 that records what it is sent. */
export async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  let behaviour: Behaviour = answer(204);
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let event: Delivery["event"];
      try {
        event = JSON.parse(body);
      } catch {
        event = { type: "unparsable", timestamp: "", data: {} };
      }
      const d: Delivery = {
        id: String(req.headers["webhook-id"]),
        timestamp: String(req.headers["webhook-timestamp"]),
        signature: String(req.headers["webhook-signature"]),
        userAgent: String(req.headers["user-agent"]),
        body,
        event,
      };
      deliveries.push(d);
      void behaviour(d, res);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries,
    of: (type) => deliveries.filter((d) => d.event.type === type),
    behave: (b) => {
      behaviour = b;
    },
    verifyAll(secret) {
      const wh = new Webhook(secret);
      for (const d of deliveries) {
        wh.verify(d.body, {
          "webhook-id": d.id,
          "webhook-timestamp": d.timestamp,
          "webhook-signature": d.signature,
        });
      }
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
