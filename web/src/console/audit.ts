// The audit log (GET /admin/audit, docs/audit.md): who changed what, from
// where, and every console sign-in, oldest first, filtered by
// application, action, kind of caller and days, a page at a time. Each
// entry is shown as the server wrote it: IDs, the caller's credential ID
// and address, and the names of what changed, never a value.
import { h } from "../dom";
import { api } from "./api";
import type { AuditEntry, AuditFilter } from "./api";
import { actorKinds, auditActions } from "./i18n";
import type { ActorKind, AuditAction } from "./i18n";
import { fail, field, heading, pager, select, stackTable, state, when } from "./ui";

const pageSize = 50;

// nextDay is the UTC day after day (YYYY-MM-DD): the API's "to" leaves
// its day out, the page's includes it.
function nextDay(day: string): string {
  const d = new Date(day + "T00:00:00Z");
  if (isNaN(d.getTime())) return "";
  return new Date(d.getTime() + 86400000).toISOString().slice(0, 10);
}

// detail shows an entry's detail: what changed by name, and its other
// fields as name: value (IDs, a plan, a host, a reason: the server never
// puts a secret there).
function detail(e: AuditEntry): Node {
  const t = state.t;
  const out = h("span", { class: "detail" });
  const d = e.detail || {};
  for (const k of Object.keys(d)) {
    const v = d[k];
    const shown = Array.isArray(v) ? v.map(String).join(", ") : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
    const label = k === "changed" ? t.audit.changed : k;
    out.appendChild(h("span", { class: "kv", "data-detail": k }, h("span", { class: "k" }, label + ": "), h("code", null, shown)));
  }
  if (!out.childNodes.length) out.textContent = t.none;
  return out;
}

export async function auditPage(page: HTMLElement, appID: string): Promise<void> {
  const t = state.t;
  const apps = await api.apps();
  const names = new Map(apps.map((a) => [a.id, a.name] as [string, string]));

  const appOpts: Array<[string, string]> = [["", t.audit.allApps], ...apps.map((a) => [a.id, a.name] as [string, string])];
  if (appID && !names.has(appID)) appOpts.push([appID, appID]); // a deleted app's entries stay
  const appSel = select(appOpts, appID, "app");
  const actionSel = select([["", t.audit.allActions], ...auditActions.map((a) => [a, `${t.audit.actions[a]} (${a})`] as [string, string])], "", "action");
  const actorSel = select([["", t.audit.allActors], ...actorKinds.map((k) => [k, t.audit.actors[k]] as [string, string])], "", "actor");
  const from = h("input", { type: "date", name: "from" });
  const to = h("input", { type: "date", name: "to" });
  const hid = "audit-days-help";
  from.setAttribute("aria-describedby", hid);
  to.setAttribute("aria-describedby", hid);

  const results = h("div", { class: "list", "aria-live": "polite", tabindex: "-1", "data-audit-results": true });
  let filter: AuditFilter = { app: appID, action: "", actor: "", from: "", to: "" };
  let cursors: number[] = [0];

  const row = (e: AuditEntry) => {
    const kind = e.actor as ActorKind;
    const who = h("span", { class: "who" }, h("span", { class: "badge" }, t.audit.actors[kind] || e.actor), e.actor_id ? h("code", null, e.actor_id) : null);
    const label = t.audit.actions[e.action as AuditAction];
    const action = h("span", { class: "action" }, label ? h("span", null, label) : null, h("code", null, e.action));
    const app = e.app_id ? (names.has(e.app_id) ? h("span", { title: e.app_id }, names.get(e.app_id) as string) : h("code", null, e.app_id)) : document.createTextNode(t.none);
    return {
      cells: [
        when(e.at),
        who,
        e.address ? h("code", { class: "addr" }, e.address) : document.createTextNode(t.none),
        action,
        app,
        e.target ? h("code", null, e.target) : document.createTextNode(t.none),
        detail(e),
      ],
      attrs: { "data-seq": String(e.seq), "data-action": e.action, "data-actor": e.actor, "data-app": e.app_id || "" },
    };
  };

  const load = async () => {
    const p = await api.audit(filter, cursors[cursors.length - 1], pageSize);
    results.textContent = "";
    if (!p.entries.length) {
      results.appendChild(h("p", { "data-audit-empty": true }, t.audit.empty));
    } else {
      results.appendChild(
        stackTable(
          t.audit.title,
          [t.audit.colTime, t.audit.colActor, t.audit.colAddress, t.audit.colAction, t.audit.colApp, t.audit.colTarget, t.audit.colDetail],
          p.entries.map(row),
        ),
      );
    }
    if (cursors.length > 1 || p.next) {
      const next = p.next;
      results.appendChild(
        pager(
          cursors.length,
          cursors.length > 1,
          next !== undefined,
          () => {
            cursors.pop();
            turn();
          },
          () => {
            if (next === undefined) return;
            cursors.push(next);
            turn();
          },
          t.audit.prev,
          t.audit.next,
        ),
      );
    }
  };

  // turn shows another page, and takes the focus there: the button
  // pressed is gone with the page it was on.
  const turn = () => {
    load()
      .then(() => results.focus())
      .catch(fail);
  };

  const form = h(
    "form",
    { class: "card filters", "data-form": "audit-filter", role: "search", "aria-label": t.audit.filters },
    h("h2", null, t.audit.filters),
    h(
      "div",
      { class: "filter-grid" },
      field(t.app, appSel),
      field(t.audit.action, actionSel),
      field(t.audit.actor, actorSel),
      field(t.audit.from, from),
      field(t.audit.to, to),
    ),
    h("p", { class: "help", id: hid }, t.audit.daysHelp),
    h(
      "div",
      { class: "row-buttons" },
      h("button", { type: "submit", class: "btn primary" }, t.audit.apply),
      h("button", { type: "reset", class: "btn", "data-reset": true }, t.audit.reset),
    ),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    filter = { app: appSel.value, action: actionSel.value, actor: actorSel.value, from: from.value, to: to.value ? nextDay(to.value) : "" };
    cursors = [0];
    load().catch(fail);
  });
  form.addEventListener("reset", () => {
    // After the browser has put the fields back: then show everything.
    setTimeout(() => {
      appSel.value = "";
      filter = { app: "", action: "", actor: "", from: "", to: "" };
      cursors = [0];
      load().catch(fail);
    }, 0);
  });

  page.append(heading(t.audit.title), h("p", { class: "help" }, t.audit.text), form, results);
  await load();
}
