import { type Account, type Credential, client, ok } from "../api.ts";
import { actionForm, attempt, badge, clear, dialog, field, h, headRow, toast, when } from "../dom.ts";
import { listView } from "../table.ts";
import { tabs } from "./common.ts";

function showCredential(c: Credential): void {
  dialog("New credential", (close) =>
    h(
      "div",
      {},
      h("p", {}, "The SecretKey is shown this once. Give both to the account's owner."),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "SecretId"),
        h("dd", { "data-secret-id": "" }, c.secretId),
        h("dt", {}, "SecretKey"),
        h("dd", { "data-secret-key": "" }, c.secretKey ?? ""),
      ),
      h("button", { type: "button", class: "primary", on: { click: close } }, "Done"),
    ),
  );
}

async function credentials(account: Account): Promise<void> {
  const page = await ok(
    client.GET("/v1/operator/accounts/{uin}/credentials", {
      params: { path: { uin: account.uin }, query: { limit: 100 } },
    }),
  );
  dialog(`Credentials of ${account.name} (${account.uin})`, (close) => {
    const box = h(
      "div",
      {},
      h(
        "table",
        {},
        headRow(["SecretId", "Status", "Created", "Actions"]),
        h(
          "tbody",
          {},
          page.items.map((c) =>
            h(
              "tr",
              {},
              h("td", {}, c.secretId),
              h("td", {}, badge(c.status)),
              h("td", {}, when(c.createdAt)),
              h(
                "td",
                { class: "row" },
                h(
                  "button",
                  {
                    type: "button",
                    class: "link",
                    on: {
                      click: () =>
                        void attempt(box, async () => {
                          await ok(
                            client.PATCH("/v1/operator/accounts/{uin}/credentials/{secretId}", {
                              params: { path: { uin: account.uin, secretId: c.secretId } },
                              body: { status: c.status === "enabled" ? "disabled" : "enabled" },
                            }),
                          );
                          close();
                          await credentials(account);
                        }),
                    },
                  },
                  c.status === "enabled" ? "Disable" : "Enable",
                ),
                h(
                  "button",
                  {
                    type: "button",
                    class: "link danger",
                    on: {
                      click: () =>
                        void attempt(box, async () => {
                          await ok(
                            client.DELETE("/v1/operator/accounts/{uin}/credentials/{secretId}", {
                              params: { path: { uin: account.uin, secretId: c.secretId } },
                            }),
                          );
                          close();
                          await credentials(account);
                        }),
                    },
                  },
                  "Delete",
                ),
              ),
            ),
          ),
        ),
      ),
    );
    return box;
  });
}

export async function operatorPage(root: HTMLElement, tab = "accounts"): Promise<void> {
  document.title = "Operator · Linkplane";
  const nav = tabs("operator", tab || "accounts", [
    ["accounts", "Accounts"],
    ["jobs", "Jobs"],
  ]);
  if (tab === "jobs") {
    const holder = h("div");
    const draw = async () => {
      const jobs = await ok(client.GET("/v1/operator/jobs"));
      clear(
        holder,
        h(
          "table",
          {},
          headRow(["Job", "Schedule", "Last run", "Run"]),
          h(
            "tbody",
            {},
            jobs.items.map((j) =>
              h(
                "tr",
                { "data-key": j.name },
                h("td", {}, h("strong", {}, j.name), h("br"), h("small", {}, j.description)),
                h("td", {}, j.schedule),
                h(
                  "td",
                  {},
                  j.lastRun
                    ? [
                        badge(j.lastRun.status),
                        ` ${when(j.lastRun.startedAt)} (${j.lastRun.trigger}, ${j.lastRun.durationMs} ms)`,
                      ]
                    : "never",
                ),
                h(
                  "td",
                  {},
                  h(
                    "button",
                    {
                      type: "button",
                      on: {
                        click: () =>
                          void attempt(holder, async () => {
                            await ok(
                              client.POST("/v1/operator/jobs/{name}/run", {
                                params: { path: { name: j.name } },
                              }),
                            );
                            toast(`${j.name} ran`);
                            await draw();
                          }),
                      },
                    },
                    "Run now",
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    };
    clear(root, h("h1", {}, "Operator"), nav, holder);
    await draw();
    return;
  }
  const list = listView<Account>({
    id: "accounts",
    columns: [
      { key: "uin", label: "UIN" },
      { key: "name", label: "Name" },
      { key: "appId", label: "AppId", hidden: true },
      { key: "createdAt", label: "Created", render: (a) => when(a.createdAt) },
      {
        key: "credentials",
        label: "Credentials",
        render: (a) =>
          h(
            "span",
            { class: "row" },
            h(
              "button",
              {
                type: "button",
                class: "link",
                on: {
                  click: () =>
                    void attempt(list.element, async () => {
                      showCredential(
                        await ok(
                          client.POST("/v1/operator/accounts/{uin}/credentials", {
                            params: { path: { uin: a.uin } },
                          }),
                        ),
                      );
                    }),
                },
              },
              "New credential",
            ),
            h(
              "button",
              {
                type: "button",
                class: "link",
                on: { click: () => void attempt(list.element, () => credentials(a)) },
              },
              "Manage",
            ),
          ),
      },
    ],
    rowKey: (a) => a.uin,
    load: (page) => ok(client.GET("/v1/operator/accounts", { params: { query: page } })),
  });
  const form = actionForm(
    {
      class: "card toolbar",
      "aria-label": "Create account",
    },
    [
      field("Account name", h("input", { name: "name", required: true, maxlength: 80 })),
      field("UIN (optional)", h("input", { name: "uin", inputmode: "numeric" })),
      h("button", { type: "submit", class: "primary" }, "Create account"),
    ],
    async (v) => {
      const a = await ok(
        client.POST("/v1/operator/accounts", { body: { name: v.name ?? "", uin: v.uin || undefined } }),
      );
      toast(`Created account ${a.uin}`);
      form.reset();
      await list.reload();
    },
  );
  clear(root, h("h1", {}, "Operator"), nav, form, list.element);
  await list.reload();
}
