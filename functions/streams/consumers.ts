import * as PrivateLinkReactions from "../../core/privatelink/reactions.ts";
import type { Consumer } from "../../core/stream/change.ts";
import { Heartbeat } from "../../core/system/heartbeat.ts";
import { Clock } from "../../core/util/time.ts";
import * as WebhookFanout from "../../core/webhook/fanout.ts";

/** Every stream consumer, in the order they see a change. */
export const consumers: Consumer[] = [
  { name: "auto-accept", entities: ["Endpoint"], handle: PrivateLinkReactions.endpointChanged },
  { name: "service-lifecycle", entities: ["EndpointService"], handle: PrivateLinkReactions.serviceChanged },
  {
    // After auto-accept, so an auto-accepted endpoint's requested event is written before its accepted one.
    name: "webhooks",
    entities: WebhookFanout.ENTITIES,
    async handle(change) {
      await WebhookFanout.onChange(change);
    },
  },
  {
    name: "heartbeat-observer",
    entities: ["Heartbeat"],
    async handle(change) {
      const beatAt = change.newImage?.beatAt;
      if (change.kind !== "remove" && typeof beatAt === "string")
        await Heartbeat.observe(beatAt, Clock.date());
    },
  },
];
