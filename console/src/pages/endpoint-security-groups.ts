import { client, type Endpoint, ok } from "../api.ts";
import { attempt, clear, h, select } from "../dom.ts";
import { securityGroupsIn } from "./common.ts";

/**
 * The endpoint's ordered security groups: priority is position, so reordering is a PUT of the whole
 * list, and each answer redraws the table from what the API holds.
 */
export async function securityGroups(holder: HTMLElement, ep: Endpoint): Promise<void> {
  const [bound, available] = await Promise.all([
    ok(client.GET("/v1/endpoints/{id}/security-groups", { params: { path: { id: ep.id } } })),
    securityGroupsIn(ep.region),
  ]);
  const names = new Map(available.map((g) => [g.id, g.name]));
  let order = bound.items.sort((a, b) => a.priority - b.priority).map((b) => b.securityGroupId);
  const save = async (next: string[]) => {
    await attempt(holder, async () => {
      const answer = await ok(
        client.PUT("/v1/endpoints/{id}/security-groups", {
          params: { path: { id: ep.id } },
          body: { securityGroupIds: next },
        }),
      );
      order = answer.items.sort((a, b) => a.priority - b.priority).map((b) => b.securityGroupId);
      draw();
    });
  };
  const move = (i: number, by: number) => {
    const next = [...order];
    const [g] = next.splice(i, 1);
    if (g === undefined) return;
    next.splice(i + by, 0, g);
    void save(next);
  };
  const draw = () => {
    const unbound = available.filter((g) => !order.includes(g.id));
    const pick = select(
      "sg",
      unbound.map((g) => [g.id, `${g.name} (${g.id})`]),
    );
    pick.setAttribute("aria-label", "Security group to bind");
    clear(
      holder,
      h("p", { class: "hint" }, "Rules are evaluated in priority order: priority 1 first."),
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { class: "bindings" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, "Priority"),
              h("th", { scope: "col" }, "Security group"),
              h("th", { scope: "col" }, "Actions"),
            ),
          ),
          h(
            "tbody",
            {},
            order.length === 0
              ? h("tr", {}, h("td", { colspan: 3, class: "empty" }, "No security group bound."))
              : order.map((sg, i) =>
                  h(
                    "tr",
                    { "data-key": sg },
                    h("td", {}, String(i + 1)),
                    h("td", {}, `${names.get(sg) ?? ""} (${sg})`),
                    h(
                      "td",
                      { class: "row" },
                      h(
                        "button",
                        {
                          type: "button",
                          disabled: i === 0,
                          "aria-label": `Move ${sg} up`,
                          on: { click: () => move(i, -1) },
                        },
                        "↑",
                      ),
                      h(
                        "button",
                        {
                          type: "button",
                          disabled: i === order.length - 1,
                          "aria-label": `Move ${sg} down`,
                          on: { click: () => move(i, 1) },
                        },
                        "↓",
                      ),
                      h(
                        "button",
                        {
                          type: "button",
                          "aria-label": `Unbind ${sg}`,
                          on: {
                            click: () =>
                              void attempt(holder, async () => {
                                const answer = await ok(
                                  client.DELETE("/v1/endpoints/{id}/security-groups/{sgId}", {
                                    params: { path: { id: ep.id, sgId: sg } },
                                  }),
                                );
                                order = answer.items
                                  .sort((a, b) => a.priority - b.priority)
                                  .map((b) => b.securityGroupId);
                                draw();
                              }),
                          },
                        },
                        "Unbind",
                      ),
                    ),
                  ),
                ),
          ),
        ),
      ),
      unbound.length
        ? h(
            "div",
            { class: "row" },
            pick,
            h("button", { type: "button", on: { click: () => void save([...order, pick.value]) } }, "Bind"),
          )
        : null,
    );
  };
  draw();
}
