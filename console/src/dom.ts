import { ApiError } from "./api.ts";

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown> & { on?: Record<string, (event: Event) => void> };

/** A DOM element: `h("button", { class: "primary", on: { click } }, "Save")`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "on") {
      for (const [event, fn] of Object.entries(value as Record<string, EventListener>))
        el.addEventListener(event, fn);
    } else if (value === true) el.setAttribute(key, "");
    else if (value !== false && value !== undefined && value !== null) {
      if (key === "value" || key === "checked") (el as unknown as Record<string, unknown>)[key] = value;
      else el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** An error as the API gave it: code, message and request ID, never hidden behind "something went wrong". */
export function errorBox(error: unknown): HTMLElement {
  if (error instanceof ApiError) {
    return h(
      "div",
      { class: "error", role: "alert" },
      h("strong", {}, error.code),
      " ",
      error.message,
      error.requestId ? h("small", {}, ` (request ${error.requestId})`) : null,
    );
  }
  return h("div", { class: "error", role: "alert" }, String(error instanceof Error ? error.message : error));
}

/** Runs an action, showing its error in `where` (replacing any previous one). */
export async function attempt(where: Element, action: () => Promise<void>): Promise<boolean> {
  where.querySelector(":scope > .error")?.remove();
  try {
    await action();
    return true;
  } catch (error) {
    where.prepend(errorBox(error));
    return false;
  }
}

let toastTimer: number | undefined;
export function toast(message: string): void {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    el.hidden = true;
  }, 4000);
}

export function field(label: string, control: HTMLElement, hint?: HTMLElement | string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint ? (typeof hint === "string" ? h("small", { class: "hint" }, hint) : hint) : null,
  );
}

export function select(name: string, options: Array<[string, string]>, value?: string): HTMLSelectElement {
  return h(
    "select",
    { name },
    options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)),
  );
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form).entries()) out[k] = String(v);
  return out;
}

export function badge(state: string): HTMLElement {
  return h("span", { class: `badge state-${state}` }, state);
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A modal dialog; resolves when closed. `body` gets a close function to call on success. */
export function dialog(title: string, body: (close: () => void) => HTMLElement): void {
  const dlg = h("dialog", { "aria-label": title }, h("h2", {}, title));
  const close = () => {
    dlg.close();
    dlg.remove();
  };
  dlg.append(
    body(close),
    h("button", { type: "button", class: "link close", on: { click: close }, "aria-label": "Close" }, "✕"),
  );
  document.body.append(dlg);
  dlg.showModal();
}

export function yesNo(v: boolean): string {
  return v ? "Yes" : "No";
}

/** A form that hands its values to `submit`, and shows the API's error inside itself. */
export function actionForm(
  attrs: Attrs,
  children: Child[],
  submit: (values: Record<string, string>, form: HTMLFormElement) => Promise<void>,
): HTMLFormElement {
  const form: HTMLFormElement = h(
    "form",
    {
      ...attrs,
      on: {
        submit: (e: Event) => {
          e.preventDefault();
          void attempt(form, () => submit(formValues(form), form));
        },
      },
    },
    children,
  );
  return form;
}

/** A dialog holding one form; `submit` gets the values and a function that closes the dialog. */
export function formDialog(
  title: string,
  children: Child[],
  submitLabel: string,
  submit: (values: Record<string, string>, close: () => void) => Promise<void>,
  danger = false,
): void {
  dialog(title, (close) =>
    actionForm(
      {},
      [...children, h("button", { type: "submit", class: danger ? "danger" : "primary" }, submitLabel)],
      (values) => submit(values, close),
    ),
  );
}

/** A button whose action's error is shown in `where()` (a getter: lists render before they exist). */
export function actionButton(
  label: string,
  where: () => Element,
  run: () => Promise<void>,
  attrs: Attrs = {},
): HTMLButtonElement {
  return h("button", { type: "button", ...attrs, on: { click: () => void attempt(where(), run) } }, label);
}

/** A table head of plain column labels. */
export function headRow(labels: string[]): HTMLTableSectionElement {
  return h(
    "thead",
    {},
    h(
      "tr",
      {},
      labels.map((c) => h("th", { scope: "col" }, c)),
    ),
  );
}
