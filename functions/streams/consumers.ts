import type { Consumer } from "../../core/stream/change.ts";
import { Heartbeat } from "../../core/system/heartbeat.ts";

/** Every stream consumer, in the order they see a change. Later issues add auto-accept and webhooks. */
export const consumers: Consumer[] = [
  {
    name: "heartbeat-observer",
    entities: ["Heartbeat"],
    async handle(change) {
      const beatAt = change.newImage?.beatAt;
      if (change.kind !== "remove" && typeof beatAt === "string") await Heartbeat.observe(beatAt, new Date());
    },
  },
];
