import type { Page } from "./api.ts";
import { attempt, clear, h } from "./dom.ts";

export interface Column<T> {
  key: string;
  label: string;
  render?: (row: T) => Node | string;
  /** Shown until the user hides it with the column chooser. */
  hidden?: boolean;
}

/** Where a list is: the API's cursor and page size. */
export interface PageQuery {
  limit: number;
  cursor?: string;
}
/** The values of a list's search box and filter controls, by their `name`; empty ones are left out. */
export type Filters = Partial<Record<string, string>>;

export interface ListOptions<T> {
  /** Names the list for the column chooser's memory and for test hooks. */
  id: string;
  columns: Column<T>[];
  /** One page: `page` is the cursor and size, `filters` the search box and filter controls by name. */
  load: (page: PageQuery, filters: Filters) => Promise<Page<T>>;
  rowKey: (row: T) => string;
  search?: string;
  /** Extra filters as form controls; their values go into the query. */
  filters?: HTMLElement[];
  actions?: HTMLElement[];
  selectable?: boolean;
  pageSize?: number;
  empty?: string;
}

export interface ListView<T> {
  element: HTMLElement;
  reload: () => Promise<void>;
  selected: () => T[];
  query: () => Filters;
}

// Names in Chinese and in Latin script sort the way a reader of either expects.
const collator = new Intl.Collator(["zh-Hans-CN", "en"], { numeric: true, sensitivity: "base" });

/**
 * A paged list: search, filters, column chooser, sorting of the page shown, optional multi-select. Pages
 * follow the API's cursors; "Previous" goes back through the cursors already seen.
 */
export function listView<T>(options: ListOptions<T>): ListView<T> {
  const storeKey = `linkplane.columns.${options.id}`;
  const stored = localStorage.getItem(storeKey);
  const visible = new Set<string>(
    stored ? (JSON.parse(stored) as string[]) : options.columns.filter((c) => !c.hidden).map((c) => c.key),
  );
  let rows: T[] = [];
  let cursors: Array<string | undefined> = [undefined];
  let pageIndex = 0;
  let nextCursor: string | null | undefined;
  let sortKey: string | undefined;
  let sortDir = 1;
  const chosen = new Set<string>();

  const searchInput = options.search
    ? h("input", { type: "search", name: "q", placeholder: options.search, "aria-label": options.search })
    : undefined;
  const body = h("tbody");
  const head = h("thead");
  const status = h("div", { class: "pager", role: "status" });
  const prev = h("button", { type: "button", on: { click: () => go(pageIndex - 1) } }, "‹ Previous");
  const next = h("button", { type: "button", on: { click: () => go(pageIndex + 1) } }, "Next ›");
  const holder = h("div", { class: "list", "data-list": options.id });

  const chooser = h(
    "details",
    { class: "chooser" },
    h("summary", {}, "Columns"),
    h(
      "fieldset",
      {},
      h("legend", {}, "Columns shown"),
      options.columns.map((c) =>
        h(
          "label",
          {},
          h("input", {
            type: "checkbox",
            checked: visible.has(c.key),
            on: {
              change: (e: Event) => {
                if ((e.target as HTMLInputElement).checked) visible.add(c.key);
                else visible.delete(c.key);
                localStorage.setItem(storeKey, JSON.stringify([...visible]));
                render();
              },
            },
          }),
          c.label,
        ),
      ),
    ),
  );

  const form = h(
    "form",
    {
      class: "toolbar",
      role: "search",
      on: {
        submit: (e: Event) => {
          e.preventDefault();
          void reload();
        },
      },
    },
    searchInput ?? null,
    options.filters ?? [],
    searchInput || options.filters?.length ? h("button", { type: "submit" }, "Search") : null,
    h("span", { class: "grow" }),
    options.actions ?? [],
    chooser,
  );

  /**
   * The search box and the filters only: the toolbar also holds actions (a reject reason, say) whose
   * inputs are not the listing's parameters, and the API refuses parameters it does not know.
   */
  function query(): Filters {
    const q: Filters = {};
    const owners = [searchInput, ...(options.filters ?? [])].filter((e): e is HTMLElement => Boolean(e));
    for (const owner of owners) {
      const controls = owner.matches("[name]") ? [owner] : [...owner.querySelectorAll("[name]")];
      for (const c of controls as Array<HTMLInputElement | HTMLSelectElement>)
        if (c.value) q[c.name] = c.value;
    }
    return q;
  }

  function columns(): Column<T>[] {
    return options.columns.filter((c) => visible.has(c.key));
  }

  function render(): void {
    const cols = columns();
    clear(
      head,
      h(
        "tr",
        {},
        options.selectable
          ? h(
              "th",
              { class: "check" },
              h("input", {
                type: "checkbox",
                "aria-label": "Select all",
                checked: rows.length > 0 && rows.every((r) => chosen.has(options.rowKey(r))),
                on: {
                  change: (e: Event) => {
                    for (const r of rows)
                      if ((e.target as HTMLInputElement).checked) chosen.add(options.rowKey(r));
                      else chosen.delete(options.rowKey(r));
                    render();
                  },
                },
              }),
            )
          : null,
        cols.map((c) =>
          h(
            "th",
            {
              scope: "col",
              "aria-sort": sortKey === c.key ? (sortDir > 0 ? "ascending" : "descending") : undefined,
            },
            h(
              "button",
              {
                type: "button",
                class: "sort",
                on: {
                  click: () => {
                    sortDir = sortKey === c.key ? -sortDir : 1;
                    sortKey = c.key;
                    render();
                  },
                },
              },
              c.label,
            ),
          ),
        ),
      ),
    );
    const shown = [...rows];
    if (sortKey) {
      const key = sortKey;
      shown.sort(
        (a, b) =>
          sortDir *
          collator.compare(
            String((a as Record<string, unknown>)[key] ?? ""),
            String((b as Record<string, unknown>)[key] ?? ""),
          ),
      );
    }
    clear(
      body,
      shown.length === 0
        ? h(
            "tr",
            {},
            h(
              "td",
              { colspan: cols.length + (options.selectable ? 1 : 0), class: "empty" },
              options.empty ?? "Nothing here yet.",
            ),
          )
        : shown.map((row) => {
            const key = options.rowKey(row);
            return h(
              "tr",
              { "data-key": key },
              options.selectable
                ? h(
                    "td",
                    { class: "check" },
                    h("input", {
                      type: "checkbox",
                      "aria-label": `Select ${key}`,
                      checked: chosen.has(key),
                      on: {
                        change: (e: Event) => {
                          if ((e.target as HTMLInputElement).checked) chosen.add(key);
                          else chosen.delete(key);
                        },
                      },
                    }),
                  )
                : null,
              cols.map((c) =>
                h(
                  "td",
                  { "data-col": c.key },
                  c.render ? c.render(row) : String((row as Record<string, unknown>)[c.key] ?? "—"),
                ),
              ),
            );
          }),
    );
    prev.disabled = pageIndex === 0;
    next.disabled = !nextCursor;
    status.replaceChildren(`Page ${pageIndex + 1} · ${rows.length} shown `, prev, next);
  }

  async function go(index: number): Promise<void> {
    if (index < 0) return;
    const cursor = index === pageIndex + 1 ? (nextCursor ?? undefined) : cursors[index];
    await attempt(holder, async () => {
      const page = await options.load({ limit: options.pageSize ?? 20, cursor }, query());
      rows = page.items;
      nextCursor = page.nextCursor;
      cursors[index] = cursor;
      pageIndex = index;
      render();
    });
  }

  async function reload(): Promise<void> {
    cursors = [undefined];
    chosen.clear();
    await go(0);
  }

  holder.append(form, h("div", { class: "scroll" }, h("table", {}, head, body)), status);
  render();
  return {
    element: holder,
    reload,
    selected: () => rows.filter((r) => chosen.has(options.rowKey(r))),
    query,
  };
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h("a", { href }, text);
}
