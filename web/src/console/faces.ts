// Faces: an application's enrolled faces, found by external or facial
// ID or paged through, each with what it is made of — never its
// templates, payload or photos, which the admin API does not give — and
// deleted.
import { h } from "../dom";
import { api } from "./api";
import type { Face } from "./api";
import type { FaceField } from "./i18n";
import { appPicker, button, confirmInline, date, fail, field, heading, notify, num, state, table } from "./ui";

const pageSize = 25;

// The metadata shown for one face, in order. A field the server does not
// send is left out, so a field it adds shows once it is listed here.
const faceFields: Array<[FaceField, (f: Face) => string | undefined]> = [
  ["facial_id", (f) => f.facial_id],
  ["external_id", (f) => f.external_id || state.t.none],
  ["number", (f) => num(f.number)],
  ["created_at", (f) => date(f.created_at)],
  ["updated_at", (f) => date(f.updated_at)],
  ["last_used_at", (f) => (f.last_used_at === undefined ? undefined : date(f.last_used_at))],
  ["models", (f) => (f.models ? f.models.join(", ") || state.t.none : undefined)],
  ["current_model", (f) => f.current_model],
  ["needs_reenrollment", (f) => (f.needs_reenrollment ? state.t.yes : state.t.no)],
  ["has_pin", (f) => (f.has_pin ? state.t.yes : state.t.no)],
  ["payload_bytes", (f) => state.t.faces.bytes(f.payload_bytes)],
  ["enrolled_templates", (f) => (f.enrolled_templates === undefined ? undefined : num(f.enrolled_templates))],
  ["learned_templates", (f) => (f.learned_templates === undefined ? undefined : num(f.learned_templates))],
];

export async function facesPage(page: HTMLElement, id: string): Promise<void> {
  const t = state.t;
  const apps = await api.apps();
  const results = h("div", { class: "list", "aria-live": "polite" });
  const detail = h("section", { class: "card detail", hidden: true, tabindex: "-1", "aria-labelledby": "face-title" });
  let query = "";
  let cursors: string[] = [""]; // the cursor of each page shown so far

  const load = async () => {
    const p = await api.faces(id, query, cursors[cursors.length - 1], pageSize);
    results.textContent = "";
    if (!p.faces.length) {
      results.appendChild(h("p", { "data-faces-empty": true }, query ? t.faces.noMatch(query) : t.faces.empty));
    } else {
      results.appendChild(
        table(
          t.faces.title,
          [t.faces.colExternal, t.faces.colFacial, t.faces.colEnrolled, t.faces.colState, ""],
          p.faces.map((f) => [
            document.createTextNode(f.external_id || t.none),
            h("code", null, f.facial_id),
            document.createTextNode(date(f.created_at)),
            h(
              "span",
              null,
              f.needs_reenrollment ? h("span", { class: "badge warn" }, t.faces.reenroll) : h("span", { class: "badge good" }, t.faces.ok),
              f.has_pin ? h("span", { class: "badge" }, "PIN") : null,
            ),
            button(t.faces.details, () => show(f.facial_id), "btn", {
              "data-face": f.facial_id,
              "aria-label": `${t.faces.details}: ${f.external_id || f.facial_id}`,
            }),
          ]),
        ),
      );
    }
    if (!query && (cursors.length > 1 || p.next)) {
      const nav = h("div", { class: "pager" });
      if (cursors.length > 1) {
        nav.appendChild(button(t.faces.prev, () => {
          cursors.pop();
          load().catch(fail);
        }));
      }
      nav.appendChild(h("span", null, t.faces.page(cursors.length)));
      if (p.next) {
        const next = p.next;
        nav.appendChild(button(t.faces.next, () => {
          cursors.push(next);
          load().catch(fail);
        }, "btn", { "data-next": true }));
      }
      results.appendChild(nav);
    }
  };

  const show = async (facial: string) => {
    try {
      const f = await api.face(id, facial);
      detail.textContent = "";
      const dl = h("dl", { class: "facts" });
      for (const [name, value] of faceFields) {
        const v = value(f);
        if (v === undefined) continue;
        dl.append(h("dt", null, t.faces.fields[name]), h("dd", { "data-field": name }, name === "facial_id" ? h("code", null, v) : v));
      }
      const del = button(t.faces.deleteFace, () =>
        confirmInline(del, t.faces.deleteConfirm, t.del, async () => {
          await api.deleteFace(id, f.facial_id);
          detail.hidden = true;
          detail.textContent = "";
          notify(t.faces.deleted);
          await load();
        }),
      "btn danger", { "data-delete-face": true });
      detail.append(h("h2", { id: "face-title" }, `${t.faces.detailTitle}: ${f.external_id || f.facial_id}`), dl, del);
      detail.hidden = false;
      detail.focus();
    } catch (e) {
      fail(e);
    }
  };

  const q = h("input", { type: "search", name: "q", autocomplete: "off", spellcheck: "false" });
  const search = h(
    "form",
    { class: "search", role: "search", "data-form": "face-search" },
    field(t.faces.search, q),
    h("button", { type: "submit", class: "btn primary" }, t.faces.searchButton),
    button(t.faces.showAll, () => {
      q.value = "";
      query = "";
      cursors = [""];
      detail.hidden = true;
      load().catch(fail);
    }),
  );
  search.addEventListener("submit", (ev) => {
    ev.preventDefault();
    query = q.value.trim();
    cursors = [""];
    detail.hidden = true;
    load().catch(fail);
  });

  page.append(appPicker("faces", apps, id), heading(t.faces.title), h("p", { class: "help" }, t.faces.privacy), search, results, detail);
  await load();
}
