// Apps: the list and creation of applications; one application's name,
// plan, every rule of visage.AppSettings with its explanation, and its
// deletion, confirmed by typing its name.
import { h } from "../dom";
import { api } from "./api";
import type { App, Plan, Settings } from "./api";
import type { SettingKey } from "./i18n";
import { checkbox, confirmInline, date, fail, field, heading, notify, num, secretBox, select, state, table } from "./ui";

function planOptions(plans: Plan[]): Array<[string, string]> {
  return plans.map((p) => [p.name, p.name]);
}

export async function appsPage(page: HTMLElement): Promise<void> {
  const t = state.t;
  const [apps, plans] = await Promise.all([api.apps(), api.plans()]);
  const list = h("div", { class: "list" });
  const showList = (all: App[]) => {
    list.textContent = "";
    if (!all.length) {
      list.appendChild(h("p", null, t.noApps));
      return;
    }
    list.appendChild(
      table(
        t.apps.title,
        [t.apps.colName, t.apps.colPlan, t.apps.colPublicID, t.apps.colCreated],
        all.map((a) => [
          h("a", { href: `#/apps/${encodeURIComponent(a.id)}`, "data-app-id": a.id }, a.name),
          document.createTextNode(a.plan),
          h("code", null, a.public_id),
          document.createTextNode(date(a.created_at)),
        ]),
      ),
    );
  };
  showList(apps);

  const name = h("input", { type: "text", name: "name", required: true, maxlength: "200", autocomplete: "off" });
  const plan = select(planOptions(plans), "free", "plan");
  const created = h("div", { class: "created" });
  const form = h(
    "form",
    { class: "card", "data-form": "create-app" },
    h("h2", null, t.apps.create),
    h("div", { class: "grid2" }, field(t.apps.name, name), field(t.apps.plan, plan)),
    h("button", { type: "submit", class: "btn primary" }, t.apps.submit),
    created,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    created.textContent = "";
    try {
      const app = await api.createApp(name.value.trim(), plan.value);
      name.value = "";
      state.current = app.id;
      if (app.key) created.appendChild(secretBox(t.apps.created, app.key.secret));
      created.appendChild(h("p", null, h("a", { href: `#/apps/${encodeURIComponent(app.id)}`, "data-app-id": app.id }, app.name)));
      notify(t.apps.created);
      showList(await api.apps());
    } catch (e) {
      fail(e);
    }
  });
  page.append(heading(t.apps.title), form, list);
}

// The rules' controls, in the order shown.
const settingKeys: SettingKey[] = [
  "level",
  "require_liveness",
  "prevent_duplicates",
  "learn_templates",
  "require_pin",
  "unique_pin",
  "min_age",
  "retention_days",
  "allowed_origins",
  "reject_empty_origin",
  "allowed_countries",
  "auther_signing_key",
  "auther_require_signature",
];

// settingsForm builds a control per setting and reads them back.
function settingsForm(s: Settings): { el: HTMLElement; read: () => Settings } {
  const t = state.t;
  const readers: Array<(out: Settings) => void> = [];
  const rows: HTMLElement[] = [];
  for (const key of settingKeys) {
    const def = t.settings[key];
    const v = (s as unknown as Record<string, unknown>)[key];
    switch (key) {
      case "level": {
        const opts: Array<[string, string]> = [];
        for (let n = 1; n <= 8; n++) opts.push([String(n), t.level(n, num(Math.pow(10, n)))]);
        const sel = select(opts, String(s.level || 4), key);
        rows.push(field(def.label, sel, def.help));
        readers.push((o) => (o.level = Number(sel.value)));
        break;
      }
      case "min_age": {
        const input = h("input", { type: "number", name: key, min: "0", max: "100", step: "1", inputmode: "numeric", value: String(s.min_age || 0) });
        rows.push(field(`${def.label} (${t.years})`, input, def.help));
        readers.push((o) => (o.min_age = Number(input.value) || 0));
        break;
      }
      case "retention_days": {
        const input = h("input", { type: "number", name: key, min: "0", step: "1", inputmode: "numeric", value: String(s.retention_days || 0) });
        rows.push(field(`${def.label} (${t.days})`, input, def.help));
        readers.push((o) => (o.retention_days = Number(input.value) || 0));
        break;
      }
      case "allowed_origins":
      case "allowed_countries": {
        const list = (v as string[] | undefined) || [];
        const multi = key === "allowed_origins";
        const input = multi
          ? h("textarea", { name: key, rows: "3", spellcheck: "false", autocomplete: "off" })
          : h("input", { type: "text", name: key, spellcheck: "false", autocomplete: "off" });
        input.value = list.join(multi ? "\n" : ", ");
        rows.push(field(def.label, input, def.help));
        readers.push((o) => {
          const items = input.value.split(/[\s,]+/).filter((x) => x !== "");
          if (key === "allowed_origins") o.allowed_origins = items;
          else o.allowed_countries = items.map((x) => x.toUpperCase());
        });
        break;
      }
      case "auther_signing_key": {
        const input = h("textarea", { name: key, rows: "4", spellcheck: "false", autocomplete: "off", class: "mono" });
        input.value = s.auther_signing_key || "";
        rows.push(field(def.label, input, def.help));
        readers.push((o) => (o.auther_signing_key = input.value.trim()));
        break;
      }
      default: {
        const c = checkbox(def.label, Boolean(v), def.help, key);
        rows.push(c.row);
        readers.push((o) => ((o as unknown as Record<string, unknown>)[key] = c.input.checked));
      }
    }
  }
  return {
    el: h("div", { class: "settings" }, ...rows),
    read: () => {
      const out = Object.assign({}, s);
      for (const r of readers) r(out);
      return out;
    },
  };
}

export async function appPage(page: HTMLElement, id: string): Promise<void> {
  const t = state.t;
  const [app, plans] = await Promise.all([api.app(id), api.plans()]);
  state.current = app.id;
  const title = heading(app.name);

  // Name and plan.
  const name = h("input", { type: "text", name: "name", required: true, maxlength: "200", autocomplete: "off", value: app.name });
  const plan = select(planOptions(plans), app.plan, "plan");
  const identity = h(
    "form",
    { class: "card", "data-form": "identity" },
    h("h2", null, t.apps.identity),
    h("div", { class: "grid2" }, field(t.apps.name, name), field(t.apps.plan, plan)),
    h("button", { type: "submit", class: "btn primary" }, t.save),
  );
  identity.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const a = await api.editApp(app.id, name.value.trim(), plan.value);
      app.name = a.name;
      title.textContent = a.name;
      notify(t.apps.renamed);
    } catch (e) {
      fail(e);
    }
  });

  // Rules.
  const sf = settingsForm(app.settings);
  const rules = h(
    "form",
    { class: "card", "data-form": "settings" },
    h("h2", null, t.apps.rules),
    h("p", { class: "help" }, t.apps.rulesHelp),
    sf.el,
    h("button", { type: "submit", class: "btn primary" }, t.save),
  );
  rules.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const a = await api.setSettings(app.id, sf.read());
      app.settings = a.settings;
      notify(t.saved);
    } catch (e) {
      fail(e);
    }
  });

  // Deletion: the button works once the name is typed, then asks again.
  const typed = h("input", { type: "text", name: "confirm-name", autocomplete: "off", spellcheck: "false" });
  const del = h("button", { type: "button", class: "btn danger", disabled: true, "data-delete-app": true }, t.apps.deleteApp);
  typed.addEventListener("input", () => (del.disabled = typed.value.trim() !== app.name));
  del.addEventListener("click", () => {
    if (typed.value.trim() !== app.name) return;
    confirmInline(del, t.apps.deleteConfirm(app.name), t.apps.deleteApp, async () => {
      await api.deleteApp(app.id);
      state.current = "";
      notify(t.apps.deleted(app.name));
      location.hash = "#/apps";
    });
  });
  const danger = h(
    "section",
    { class: "card danger-zone", "aria-labelledby": "danger-title" },
    h("h2", { id: "danger-title" }, t.apps.dangerTitle),
    h("p", null, t.apps.dangerText),
    field(t.apps.confirmLabel, typed),
    del,
  );

  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", null, t.apps.colPublicID),
    h("dd", null, h("code", { "data-public-id": true }, app.public_id), h("p", { class: "help" }, t.apps.publicIDHelp)),
    h("dt", null, "ID"),
    h("dd", null, h("code", null, app.id)),
    h("dt", null, t.apps.colCreated),
    h("dd", null, date(app.created_at)),
  );
  const links = h(
    "p",
    { class: "links" },
    h("a", { href: `#/keys/${encodeURIComponent(app.id)}` }, t.nav.keys),
    h("a", { href: `#/faces/${encodeURIComponent(app.id)}` }, t.nav.faces),
    h("a", { href: `#/usage/${encodeURIComponent(app.id)}` }, t.nav.usage),
    h("a", { href: `#/webhooks/${encodeURIComponent(app.id)}` }, t.nav.webhooks),
    h("a", { href: `#/audit/${encodeURIComponent(app.id)}`, "data-audit-link": true }, t.nav.audit),
  );
  page.append(h("p", null, h("a", { href: "#/apps", class: "back" }, t.apps.back)), title, facts, links, identity, rules, danger);
}
