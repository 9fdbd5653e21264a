// Keys: an application's private keys. A new key is shown once, with a
// copy button; the list shows each by its prefix, and revokes.
import { h } from "../dom";
import { api } from "./api";
import type { Key } from "./api";
import { appPicker, button, confirmInline, date, fail, heading, notify, secretBox, state, table } from "./ui";

export async function keysPage(page: HTMLElement, id: string): Promise<void> {
  const t = state.t;
  const [apps, keys] = await Promise.all([api.apps(), api.keys(id)]);
  const fresh = h("div", { class: "created" });
  const list = h("div", { class: "list" });

  const showKeys = (all: Key[]) => {
    list.textContent = "";
    if (!all.length) {
      list.appendChild(h("p", null, t.keys.none));
      return;
    }
    list.appendChild(
      table(
        t.keys.title,
        [t.keys.colKey, t.keys.colCreated, t.keys.colLastUsed, t.keys.colStatus, ""],
        all.map((k) => {
          const actions = h("span", { class: "actions" });
          if (!k.revoked_at) {
            const revoke = button(t.keys.revoke, () =>
              confirmInline(revoke, t.keys.revokeConfirm, t.keys.revoke, async () => {
                await api.revokeKey(id, k.id);
                fresh.textContent = "";
                notify(t.keys.revokedDone);
                showKeys(await api.keys(id));
              }),
            "btn danger", { "data-revoke": k.prefix, "aria-label": `${t.keys.revoke} ${k.prefix}…` });
            actions.appendChild(revoke);
          }
          return [
            h("code", { "data-key-prefix": k.prefix }, k.prefix + "…"),
            document.createTextNode(date(k.created_at)),
            // Shown when the server records it.
            document.createTextNode(k.last_used_at ? date(k.last_used_at) : t.keys.never),
            h("span", { class: k.revoked_at ? "badge bad" : "badge good", "data-key-status": k.revoked_at ? "revoked" : "active" },
              k.revoked_at ? t.keys.revoked(date(k.revoked_at)) : t.keys.active),
            actions,
          ];
        }),
      ),
    );
  };
  showKeys(keys);

  const create = button(t.keys.create, async () => {
    fresh.textContent = "";
    create.disabled = true;
    try {
      const k = await api.createKey(id);
      if (k.secret) fresh.appendChild(secretBox(t.keys.shownOnce, k.secret));
      showKeys(await api.keys(id));
      const copy = fresh.querySelector("button");
      if (copy) (copy as HTMLElement).focus();
    } catch (e) {
      fail(e);
    } finally {
      create.disabled = false;
    }
  }, "btn primary", { "data-create-key": true });

  page.append(appPicker("keys", apps, id), heading(t.keys.title), h("p", { class: "help" }, t.keys.text), create, fresh, list);
}
