import { client, ok, type Webhook, type WebhookMessage } from "../api.ts";
import type { operations } from "../api-schema.ts";
import { actionForm, attempt, badge, clear, dialog, field, h, select, toast, when } from "../dom.ts";
import { navigate } from "../nav.ts";
import { listView } from "../table.ts";

type MessageQuery = NonNullable<operations["listWebhookMessages"]["parameters"]["query"]>;
/** The event types as the API document names them (core/webhook/model.ts is their source). */
type Subscribable = Exclude<NonNullable<MessageQuery["eventType"]>, "webhook.test">;

/**
 * The events a subscription can name, in the order the form offers them. The console cannot import the
 * list from `core` (its bundle would carry zod), so the compiler holds it to the API's: a type that is
 * not the API's fails `satisfies`, and one the API adds but this list lacks fails `AllOffered`.
 */
export const EVENT_TYPES = [
  "connection.requested",
  "connection.accepted",
  "connection.rejected",
  "connection.failed",
  "connection.deleted",
  "endpoint-service.updated",
  "endpoint-service.deleted",
  "allowlist.added",
  "allowlist.removed",
  "metric-export.succeeded",
  "metric-export.failed",
  "webhook.disabled",
] as const satisfies readonly Subscribable[];
type AllOffered<Missing extends never> = Missing;
export type EveryEventOffered = AllOffered<Exclude<Subscribable, (typeof EVENT_TYPES)[number]>>;

/** The signing secret, shown once: the API never returns it again. */
function showSecret(hook: Webhook): void {
  dialog("Signing secret", (close) =>
    h(
      "div",
      {},
      h(
        "p",
        {},
        "Copy this secret now: it is shown only once. Receivers verify each message's webhook-signature with it.",
      ),
      h("pre", { class: "secret", "data-secret": "" }, hook.secret ?? ""),
      h("button", { type: "button", class: "primary", on: { click: close } }, "I have copied it"),
    ),
  );
}

export async function webhooksPage(root: HTMLElement): Promise<void> {
  document.title = "Webhooks · Linkplane";
  const list = listView<Webhook>({
    id: "webhooks",
    columns: [
      { key: "id", label: "ID", render: (w) => h("a", { href: `#/webhooks/${w.id}` }, w.id) },
      { key: "url", label: "URL" },
      { key: "events", label: "Events", render: (w) => (w.events.length ? w.events.join(", ") : "All") },
      {
        key: "enabled",
        label: "Status",
        render: (w) =>
          badge(w.enabled ? "enabled" : `disabled${w.disabledReason ? `: ${w.disabledReason}` : ""}`),
      },
      { key: "description", label: "Description", hidden: true },
      { key: "createdAt", label: "Created", render: (w) => when(w.createdAt) },
    ],
    rowKey: (w) => w.id,
    load: (page) => ok(client.GET("/v1/webhooks", { params: { query: page } })),
    empty: "No subscription yet.",
  });
  const form = actionForm(
    {
      class: "card",
      "aria-label": "Create webhook",
    },
    [
      h("h2", {}, "New subscription"),
      field(
        "URL",
        h("input", {
          name: "url",
          type: "url",
          required: true,
          placeholder: "https://example.com/hooks/linkplane",
        }),
      ),
      field("Description", h("input", { name: "description", maxlength: 200 })),
      h(
        "fieldset",
        { class: "metric-picker" },
        h("legend", {}, "Events (none checked: all)"),
        EVENT_TYPES.map((t) => h("label", {}, h("input", { type: "checkbox", name: `event-${t}` }), t)),
      ),
      field(
        "Only these services",
        h("input", { name: "serviceIds", placeholder: "vpcsvc-…, vpcsvc-… (empty: all)" }),
      ),
      h("button", { type: "submit", class: "primary" }, "Create subscription"),
    ],
    async (v) => {
      const events = EVENT_TYPES.filter(
        (t) => (form.elements.namedItem(`event-${t}`) as HTMLInputElement).checked,
      );
      const created = await ok(
        client.POST("/v1/webhooks", {
          body: {
            url: v.url ?? "",
            events,
            description: v.description || undefined,
            serviceIds: v.serviceIds
              ? v.serviceIds
                  .split(",")
                  .map((s) => s.trim())
                  .filter(Boolean)
              : undefined,
          },
        }),
      );
      form.reset();
      await list.reload();
      showSecret(created);
    },
  );
  clear(root, h("h1", {}, "Webhooks"), list.element, form);
  await list.reload();
}

export async function webhookDetail(root: HTMLElement, id: string): Promise<void> {
  const hook = await ok(client.GET("/v1/webhooks/{id}", { params: { path: { id } } }));
  document.title = `Webhook ${hook.id} · Linkplane`;
  const outcome = h("div", { class: "results-holder", "aria-live": "polite" });
  const status = select("status", [
    ["", "All"],
    ["pending", "Pending"],
    ["delivered", "Delivered"],
    ["failed", "Failed"],
  ]);
  status.setAttribute("aria-label", "Status");
  const eventType = select("eventType", [
    ["", "All events"],
    ...[...EVENT_TYPES, "webhook.test"].map((t): [string, string] => [t, t]),
  ]);
  eventType.setAttribute("aria-label", "Event type");
  const messages = listView<WebhookMessage>({
    id: "webhook-messages",
    filters: [status, eventType],
    columns: [
      { key: "id", label: "Message" },
      { key: "eventType", label: "Event" },
      { key: "status", label: "Status", render: (m) => badge(m.status) },
      { key: "attemptCount", label: "Attempts" },
      { key: "nextAttemptAt", label: "Next attempt", render: (m) => when(m.nextAttemptAt) },
      { key: "createdAt", label: "Created", render: (m) => when(m.createdAt) },
      {
        key: "open",
        label: "Details",
        render: (m) =>
          h(
            "button",
            { type: "button", class: "link", on: { click: () => void openMessage(m.id) } },
            "View attempts",
          ),
      },
    ],
    rowKey: (m) => m.id,
    load: (page, f) =>
      ok(
        client.GET("/v1/webhooks/{id}/messages", {
          params: {
            path: { id: hook.id },
            query: {
              ...page,
              status: f.status as MessageQuery["status"],
              eventType: f.eventType as MessageQuery["eventType"],
            },
          },
        }),
      ),
    empty: "No message yet. Send a test.",
  });
  async function openMessage(msgId: string): Promise<void> {
    const m = await ok(
      client.GET("/v1/webhooks/{id}/messages/{msgId}", { params: { path: { id: hook.id, msgId } } }),
    );
    dialog(`Message ${m.id}`, (close) =>
      h(
        "div",
        {},
        h("p", {}, `${m.eventType} · `, badge(m.status), ` · ${m.attemptCount} attempt(s)`),
        h(
          "table",
          {},
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["At", "Trigger", "Status", "Latency", "Error / response"].map((c) =>
                h("th", { scope: "col" }, c),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            (m.attempts ?? []).map((a) =>
              h(
                "tr",
                {},
                h("td", {}, when(a.at)),
                h("td", {}, a.trigger),
                h("td", {}, a.statusCode === null ? "—" : String(a.statusCode)),
                h("td", {}, `${a.latencyMs} ms`),
                h("td", {}, a.error ?? a.response.slice(0, 200)),
              ),
            ),
          ),
        ),
        h("details", {}, h("summary", {}, "Payload"), h("pre", {}, JSON.stringify(m.payload, null, 2))),
        h(
          "button",
          {
            type: "button",
            class: "primary",
            on: {
              click: () =>
                void attempt(outcome, async () => {
                  const after = await ok(
                    client.POST("/v1/webhooks/{id}/messages/{msgId}/retry", {
                      params: { path: { id: hook.id, msgId: m.id } },
                    }),
                  );
                  close();
                  toast(`Retried: ${after.status}`);
                  await messages.reload();
                }),
            },
          },
          "Retry now",
        ),
      ),
    );
  }
  const act = (label: string, run: () => Promise<void>, cls = "") =>
    h("button", { type: "button", class: cls, on: { click: () => void attempt(outcome, run) } }, label);
  clear(
    root,
    h("p", {}, h("a", { href: "#/webhooks" }, "‹ Webhooks")),
    h("h1", {}, `Webhook ${hook.id}`),
    h(
      "div",
      { class: "card" },
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "URL"),
        h("dd", {}, hook.url),
        h("dt", {}, "Events"),
        h("dd", {}, hook.events.length ? hook.events.join(", ") : "All"),
        h("dt", {}, "Services"),
        h("dd", {}, hook.serviceIds?.join(", ") ?? "All"),
        h("dt", {}, "Status"),
        h(
          "dd",
          {},
          badge(hook.enabled ? "enabled" : "disabled"),
          hook.disabledReason ? ` ${hook.disabledReason}` : "",
        ),
      ),
      h(
        "div",
        { class: "row" },
        act("Send test", async () => {
          const r = await ok(client.POST("/v1/webhooks/{id}/test", { params: { path: { id: hook.id } } }));
          clear(
            outcome,
            h(
              "p",
              { class: r.delivered ? "ok" : "bad" },
              r.delivered
                ? `Test delivered: HTTP ${r.attempt.statusCode} in ${r.attempt.latencyMs} ms`
                : `Test not delivered: ${r.attempt.error ?? `HTTP ${r.attempt.statusCode}`}`,
            ),
          );
          await messages.reload();
        }),
        act(hook.enabled ? "Disable" : "Enable", async () => {
          await ok(
            client.PATCH("/v1/webhooks/{id}", {
              params: { path: { id: hook.id } },
              body: { enabled: !hook.enabled },
            }),
          );
          navigate(`webhooks/${hook.id}`);
        }),
        act("Rotate secret", async () => {
          const rotated = await ok(
            client.POST("/v1/webhooks/{id}/rotate-secret", { params: { path: { id: hook.id } } }),
          );
          showSecret(rotated);
        }),
        act("Recover last 24 h", async () => {
          const since = new Date(Date.now() - 86400_000).toISOString();
          const r = await ok(
            client.POST("/v1/webhooks/{id}/recover", { params: { path: { id: hook.id } }, body: { since } }),
          );
          clear(outcome, h("p", { class: "ok" }, `${r.scheduled} failed message(s) scheduled again`));
          await messages.reload();
        }),
        act(
          "Delete",
          async () => {
            if (!confirm(`Delete webhook ${hook.id}?`)) return;
            await ok(client.DELETE("/v1/webhooks/{id}", { params: { path: { id: hook.id } } }));
            navigate("webhooks");
          },
          "danger",
        ),
      ),
    ),
    outcome,
    h("h2", {}, "Messages"),
    messages.element,
  );
  await messages.reload();
}
