// What every page of the console shares: the language's strings, the
// applications, the status line, and small builders of accessible
// controls (real buttons and labelled fields, no div pretending).
import { h } from "../dom";
import { ApiError } from "./api";
import type { App } from "./api";
import { languages } from "./i18n";
import type { Lang, Strings } from "./i18n";

export const state = {
  lang: "en" as Lang,
  t: languages.en as Strings,
  // The application the Keys, Faces and Usage pages show.
  current: "",
};

let statusLine: HTMLElement | null = null;

export function setStatusLine(el: HTMLElement): void {
  statusLine = el;
}

// notify says something in the status line, which screen readers read
// out (role=status, or alert for errors).
export function notify(text: string, kind: "ok" | "error" = "ok"): void {
  if (!statusLine) return;
  statusLine.textContent = "";
  statusLine.className = "status " + kind;
  statusLine.setAttribute("role", kind === "error" ? "alert" : "status");
  statusLine.appendChild(document.createTextNode(text));
}

export function clearNotice(): void {
  if (statusLine) {
    statusLine.textContent = "";
    statusLine.className = "status";
  }
}

// fail reports a failed call; a lost session is handled by main.ts.
export function fail(e: unknown): void {
  if (e instanceof ApiError && e.status === 401) return;
  notify(state.t.error(e instanceof Error ? e.message : String(e)), "error");
}

export function date(iso: string | null | undefined): string {
  if (!iso) return state.t.none;
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleString(state.lang, { dateStyle: "medium", timeStyle: "short" } as Intl.DateTimeFormatOptions);
}

export function num(n: number): string {
  return n.toLocaleString(state.lang);
}

export function button(label: string, onClick: (ev: Event) => void, cls = "btn", attrs: Record<string, string | boolean | undefined> = {}): HTMLButtonElement {
  const b = h("button", Object.assign({ type: "button", class: cls }, attrs), label);
  b.addEventListener("click", onClick);
  return b;
}

let ids = 0;
export function uid(prefix: string): string {
  ids++;
  return `${prefix}-${ids}`;
}

// field is a label, its control and, under it, the control's one-line
// explanation, tied to it by aria-describedby.
export function field(label: string, control: HTMLElement, help?: string, cls = "field"): HTMLElement {
  if (!control.id) control.id = uid("f");
  const out = h("div", { class: cls }, h("label", { for: control.id }, label), control);
  if (help) {
    const hid = uid("h");
    control.setAttribute("aria-describedby", hid);
    out.appendChild(h("p", { class: "help", id: hid }, help));
  }
  return out;
}

// checkbox is a checkbox with its label beside it and its explanation
// under them.
export function checkbox(label: string, checked: boolean, help: string, name: string): { row: HTMLElement; input: HTMLInputElement } {
  const input = h("input", { type: "checkbox", id: uid("c"), name });
  input.checked = checked;
  const hid = uid("h");
  input.setAttribute("aria-describedby", hid);
  const row = h("div", { class: "field check" }, input, h("label", { for: input.id }, label), h("p", { class: "help", id: hid }, help));
  return { row, input };
}

export function select(options: Array<[string, string]>, value: string, name: string): HTMLSelectElement {
  const sel = h("select", { name });
  for (const [v, label] of options) {
    const o = h("option", { value: v }, label);
    if (v === value) o.selected = true;
    sel.appendChild(o);
  }
  return sel;
}

// confirmInline replaces trigger with a question and two buttons; the
// action runs only on the second one. No window.confirm: it stays in the
// page, reachable by the keyboard, and is read out.
export function confirmInline(trigger: HTMLButtonElement, question: string, confirmLabel: string, action: () => Promise<void>): void {
  const t = state.t;
  const box = h("div", { class: "confirm", role: "group" });
  const yes = button(confirmLabel, async () => {
    yes.disabled = true;
    try {
      await action();
    } catch (e) {
      fail(e);
      restore();
    }
  }, "btn danger", { "data-confirm": "yes" });
  const no = button(t.cancel, () => restore(), "btn");
  box.append(h("span", null, question), yes, no);
  const restore = () => {
    if (box.parentNode) box.parentNode.replaceChild(trigger, box);
    trigger.focus();
  };
  if (trigger.parentNode) trigger.parentNode.replaceChild(box, trigger);
  yes.focus();
}

// secretBox shows a secret once, read-only, with a copy button.
export function secretBox(title: string, secret: string): HTMLElement {
  const t = state.t;
  const input = h("input", { type: "text", readonly: true, value: secret, class: "secret", "aria-label": title, spellcheck: "false" });
  const copy = button(t.copy, async () => {
    try {
      await navigator.clipboard.writeText(secret);
      notify(t.copied);
    } catch {
      input.focus();
      input.select();
      notify(t.copyHint);
    }
  }, "btn", { "data-copy": true });
  return h("div", { class: "secretbox", role: "region", "aria-label": title }, h("p", null, title), h("div", { class: "row" }, input, copy));
}

// table builds a table whose head is heads and body rows; it scrolls
// sideways on a narrow screen rather than overflowing the page.
export function table(caption: string, heads: string[], rows: Node[][]): HTMLElement {
  const thead = h("thead", null, h("tr", null, ...heads.map((x) => h("th", { scope: "col" }, x))));
  const tbody = h("tbody", null, ...rows.map((r) => h("tr", null, ...r.map((c) => h("td", null, c)))));
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption }, h("table", null, h("caption", { class: "sr-only" }, caption), thead, tbody));
}

// heading is a page's title, focused when the page opens so that the
// keyboard and screen readers start there.
export function heading(text: string): HTMLElement {
  return h("h1", { tabindex: "-1" }, text);
}

// appPicker is the select that switches an app-scoped section to another
// application.
export function appPicker(section: string, apps: App[], id: string): HTMLElement {
  const t = state.t;
  const sel = select(
    apps.map((a) => [a.id, a.name]),
    id,
    "app",
  );
  sel.id = "app-picker";
  sel.addEventListener("change", () => {
    location.hash = `#/${section}/${encodeURIComponent(sel.value)}`;
  });
  return h("div", { class: "field inline picker" }, h("label", { for: sel.id }, t.app), sel);
}

// A row of stackTable: its cells, and attributes of its own (data-*).
export interface Row {
  cells: Node[];
  attrs?: Record<string, string>;
}

// stackTable is a table that, on a phone's screen, shows each row as a
// card: every cell on a line of its own, named by its column (data-label,
// console.css). Wide logs stay readable without scrolling sideways.
export function stackTable(caption: string, heads: string[], rows: Row[]): HTMLElement {
  const thead = h("thead", null, h("tr", null, ...heads.map((x) => h("th", { scope: "col" }, x))));
  const tbody = h(
    "tbody",
    null,
    ...rows.map((r) => h("tr", r.attrs || null, ...r.cells.map((c, i) => h("td", { "data-label": heads[i] || "" }, c)))),
  );
  return h("div", { class: "table-wrap stack", tabindex: "0", role: "region", "aria-label": caption }, h("table", null, h("caption", { class: "sr-only" }, caption), thead, tbody));
}

// time shows a moment in the operator's language and time zone, with its
// UTC form in the markup and as a tooltip.
export function when(iso: string): HTMLElement {
  const d = new Date(iso);
  const shown = isNaN(d.getTime()) ? iso : d.toLocaleString(state.lang, { dateStyle: "medium", timeStyle: "medium" } as Intl.DateTimeFormatOptions);
  return h("time", { datetime: iso, title: iso }, shown);
}

// pager is the Previous / Next buttons of a list paged by cursors.
export function pager(page: number, hasPrev: boolean, hasNext: boolean, prev: () => void, next: () => void, prevLabel: string, nextLabel: string): HTMLElement {
  const nav = h("div", { class: "pager" });
  if (hasPrev) nav.appendChild(button(prevLabel, prev, "btn", { "data-prev": true }));
  nav.appendChild(h("span", null, state.t.faces.page(page)));
  if (hasNext) nav.appendChild(button(nextLabel, next, "btn", { "data-next": true }));
  return nav;
}
