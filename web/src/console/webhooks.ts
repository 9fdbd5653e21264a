// Webhooks: an application's endpoints that its events are POSTed to
// (docs/webhooks.md). The list, with each one's state; adding one (its
// signing secret shown once, with a copy button); changing its URL and
// events, enabling and disabling it; deleting it, confirmed; and its
// delivery log, newest first, from which an event is sent again.
import { h } from "../dom";
import { api } from "./api";
import type { Delivery, Webhook } from "./api";
import { eventTypes } from "./i18n";
import type { EventType, Outcome } from "./i18n";
import { appPicker, button, checkbox, confirmInline, date, fail, field, heading, notify, pager, secretBox, stackTable, state, when } from "./ui";

const deliveriesPerPage = 25;

// eventBoxes is a fieldset of a checkbox per event type, ticked for
// those of chosen; read returns the ticked ones (none: every type).
function eventBoxes(chosen: string[]): { el: HTMLElement; read: () => string[] } {
  const t = state.t;
  const boxes: HTMLInputElement[] = [];
  const rows = eventTypes.map((typ) => {
    const c = checkbox(t.webhooks.eventNames[typ], chosen.includes(typ), typ, "event");
    c.input.value = typ;
    boxes.push(c.input);
    return c.row;
  });
  const el = h("fieldset", { class: "events" }, h("legend", null, t.webhooks.events), h("p", { class: "help" }, t.webhooks.eventsHelp), h("div", { class: "event-grid" }, ...rows));
  return { el, read: () => boxes.filter((b) => b.checked).map((b) => b.value) };
}

function outcomeBadge(o: string): HTMLElement {
  const t = state.t;
  const cls = o === "delivered" ? "badge good" : o === "retrying" ? "badge warn" : "badge bad";
  return h("span", { class: cls, "data-outcome": o }, t.webhooks.outcomes[o as Outcome] || o);
}

function eventsText(events: string[]): string {
  const t = state.t;
  if (!events.length) return t.webhooks.allEvents;
  return events.map((e) => t.webhooks.eventNames[e as EventType] || e).join(", ");
}

export async function webhooksPage(page: HTMLElement, id: string): Promise<void> {
  const t = state.t;
  const [apps, hooks] = await Promise.all([api.apps(), api.webhooks(id)]);
  const fresh = h("div", { class: "created" });
  const list = h("div", { class: "list" });
  const editor = h("section", { class: "card", hidden: true, tabindex: "-1", "aria-labelledby": "hook-edit-title", "data-webhook-editor": true });
  const log = h("section", { class: "card deliveries", hidden: true, tabindex: "-1", "aria-labelledby": "hook-log-title" });

  const reload = async () => showList(await api.webhooks(id));

  const showList = (all: Webhook[]) => {
    list.textContent = "";
    if (!all.length) {
      list.appendChild(h("p", { "data-webhooks-empty": true }, t.webhooks.none));
      return;
    }
    list.appendChild(
      stackTable(
        t.webhooks.title,
        [t.webhooks.colURL, t.webhooks.colEvents, t.webhooks.colState, t.webhooks.colCreated, ""],
        all.map((w) => {
          const state_ = h(
            "span",
            null,
            h("span", { class: w.enabled ? "badge good" : "badge", "data-webhook-state": w.enabled ? "enabled" : "disabled" }, w.enabled ? t.webhooks.on : t.webhooks.off),
            w.failed_attempts ? h("span", { class: "badge warn" }, t.webhooks.failing(w.failed_attempts, date(w.next_attempt_at))) : null,
          );
          const actions = h("span", { class: "actions" });
          actions.append(
            button(t.webhooks.deliveries, () => showLog(w, [0]), "btn", { "data-deliveries": w.id, "aria-label": `${t.webhooks.deliveries}: ${w.url}` }),
            button(t.webhooks.edit, () => edit(w), "btn", { "data-edit-webhook": w.id, "aria-label": `${t.webhooks.edit}: ${w.url}` }),
            button(w.enabled ? t.webhooks.disable : t.webhooks.enable, async (ev) => {
              const b = ev.currentTarget as HTMLButtonElement;
              b.disabled = true;
              try {
                await api.editWebhook(id, w.id, { enabled: !w.enabled });
                notify(w.enabled ? t.webhooks.disabledDone : t.webhooks.enabledDone);
                await reload();
              } catch (e) {
                fail(e);
                b.disabled = false;
              }
            }, "btn", { "data-toggle-webhook": w.id, "aria-label": `${w.enabled ? t.webhooks.disable : t.webhooks.enable}: ${w.url}` }),
          );
          const del = button(t.webhooks.deleteHook, () =>
            confirmInline(del, t.webhooks.deleteConfirm, t.webhooks.deleteHook, async () => {
              await api.deleteWebhook(id, w.id);
              fresh.textContent = "";
              for (const panel of [editor, log]) {
                if (panel.getAttribute("data-webhook") === w.id) panel.hidden = true;
              }
              notify(t.webhooks.deleted);
              await reload();
            }),
          "btn danger", { "data-delete-webhook": w.id, "aria-label": `${t.webhooks.deleteHook}: ${w.url}` });
          actions.appendChild(del);
          return {
            cells: [h("code", { class: "url" }, w.url), document.createTextNode(eventsText(w.events)), state_, document.createTextNode(date(w.created_at)), actions],
            attrs: { "data-webhook-id": w.id, "data-webhook-url": w.url },
          };
        }),
      ),
    );
  };

  // edit opens the form that changes a webhook's URL and events.
  const edit = (w: Webhook) => {
    editor.textContent = "";
    editor.setAttribute("data-webhook", w.id);
    const url = h("input", { type: "url", name: "url", required: true, value: w.url, autocomplete: "off", spellcheck: "false", maxlength: "2048" });
    const ev = eventBoxes(w.events);
    const form = h(
      "form",
      { "data-form": "edit-webhook" },
      field(t.webhooks.url, url, t.webhooks.urlHelp),
      ev.el,
      h(
        "div",
        { class: "row-buttons" },
        h("button", { type: "submit", class: "btn primary" }, t.save),
        button(t.cancel, () => {
          editor.hidden = true;
        }),
      ),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await api.editWebhook(id, w.id, { url: url.value.trim(), events: ev.read() });
        editor.hidden = true;
        notify(t.webhooks.saved);
        await reload();
      } catch (err) {
        fail(err);
      }
    });
    editor.append(h("h2", { id: "hook-edit-title" }, t.webhooks.editTitle), form);
    editor.hidden = false;
    editor.focus();
  };

  // showLog shows a page of the webhook's delivery log: cursors are the
  // "before" of each page shown so far (0: the newest).
  const showLog = async (w: Webhook, cursors: number[]) => {
    try {
      const p = await api.deliveries(id, w.id, cursors[cursors.length - 1], deliveriesPerPage);
      log.textContent = "";
      log.setAttribute("data-webhook", w.id);
      log.append(h("h2", { id: "hook-log-title" }, t.webhooks.deliveriesTitle(w.url)));
      if (!p.deliveries.length) {
        log.appendChild(h("p", { "data-deliveries-empty": true }, t.webhooks.noDeliveries));
      } else {
        log.appendChild(
          stackTable(
            t.webhooks.deliveries,
            [t.webhooks.colTime, t.webhooks.colEvent, t.webhooks.colAttempt, t.webhooks.colResult, t.webhooks.colOutcome, ""],
            p.deliveries.map((d: Delivery) => {
              const result = d.status ? t.webhooks.status(d.status) : d.error || t.none;
              const again =
                d.outcome === "retrying"
                  ? document.createTextNode("")
                  : button(t.webhooks.redeliver, async (ev) => {
                      const b = ev.currentTarget as HTMLButtonElement;
                      b.disabled = true;
                      try {
                        const r = await api.redeliver(id, w.id, d.event_id);
                        notify(r.delivered ? t.webhooks.redelivered : t.webhooks.redeliverFailed, r.delivered ? "ok" : "error");
                        await showLog(w, [0]);
                      } catch (e) {
                        fail(e);
                        b.disabled = false;
                      }
                    }, "btn", { "data-redeliver": d.event_id, "aria-label": `${t.webhooks.redeliver}: ${d.event_type} ${d.event_id}` });
              return {
                cells: [
                  when(d.at),
                  h("span", { class: "event" }, h("span", null, t.webhooks.eventNames[d.event_type as EventType] || d.event_type), h("code", null, d.event_type), h("code", null, d.event_id)),
                  document.createTextNode(d.manual ? t.webhooks.manual : String(d.attempt || "")),
                  h("span", null, result, h("span", { class: "help" }, " · " + t.webhooks.ms(d.duration_ms))),
                  outcomeBadge(d.outcome),
                  again,
                ],
                attrs: { "data-delivery": String(d.id), "data-event": d.event_id, "data-outcome": d.outcome, "data-manual": d.manual ? "true" : "false" },
              };
            }),
          ),
        );
      }
      if (cursors.length > 1 || p.next) {
        const next = p.next;
        log.appendChild(
          pager(
            cursors.length,
            cursors.length > 1,
            next !== undefined,
            () => showLog(w, cursors.slice(0, -1)),
            () => {
              if (next !== undefined) showLog(w, cursors.concat([next]));
            },
            t.webhooks.newer,
            t.webhooks.older,
          ),
        );
      }
      log.appendChild(button(t.webhooks.close, () => {
        log.hidden = true;
      }));
      log.hidden = false;
      log.focus();
    } catch (e) {
      fail(e);
    }
  };

  // Adding one: its secret is shown once.
  const url = h("input", { type: "url", name: "url", required: true, autocomplete: "off", spellcheck: "false", maxlength: "2048", placeholder: "https://backend.example/visage" });
  let events = eventBoxes([]);
  const enabled = checkbox(t.webhooks.enabled, true, t.webhooks.enabledHelp, "enabled");
  const create = h(
    "form",
    { class: "card", "data-form": "create-webhook" },
    h("h2", null, t.webhooks.create),
    field(t.webhooks.url, url, t.webhooks.urlHelp),
    events.el,
    enabled.row,
    h("button", { type: "submit", class: "btn primary" }, t.webhooks.submit),
    fresh,
  );
  create.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    fresh.textContent = "";
    try {
      const w = await api.createWebhook(id, url.value.trim(), events.read(), enabled.input.checked);
      // The form starts over: a new webhook is another endpoint.
      url.value = "";
      enabled.input.checked = true;
      const blank = eventBoxes([]);
      events.el.replaceWith(blank.el);
      events = blank;
      if (w.secret) fresh.appendChild(secretBox(t.webhooks.secret, w.secret));
      await reload();
      const copy = fresh.querySelector("button");
      if (copy) (copy as HTMLElement).focus();
    } catch (e) {
      fail(e);
    }
  });

  showList(hooks);
  page.append(appPicker("webhooks", apps, id), heading(t.webhooks.title), h("p", { class: "help" }, t.webhooks.text), list, editor, log, create);
}
