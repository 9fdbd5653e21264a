// Usage: an application's calls and widget sessions per day, as charts,
// and its faces now.
import { h } from "../dom";
import { api } from "./api";
import type { UsageKey } from "./i18n";
import { barChart } from "./chart";
import type { Series } from "./chart";
import { appPicker, fail, heading, num, select, state } from "./ui";

// The charts, each a list of counts stacked per day. A count the server
// adds to a day (per endpoint, per error code) is charted by naming it
// here.
function charts(): Array<{ title: string; series: Series[] }> {
  const t = state.t;
  const ser = (key: UsageKey, cls: string): Series => ({ key, label: t.usage.counts[key], cls });
  return [
    { title: t.usage.charts.calls, series: [ser("succeeded", "s-ok"), ser("refused", "s-bad")] },
    { title: t.usage.charts.sessions, series: [ser("widget_sessions", "s-sessions")] },
    { title: t.usage.charts.frames, series: [ser("widget_frames", "s-frames")] },
  ];
}

// The totals shown above the charts.
const totals: UsageKey[] = ["calls", "succeeded", "refused", "widget_sessions", "widget_frames"];

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export async function usagePage(page: HTMLElement, id: string): Promise<void> {
  const t = state.t;
  const apps = await api.apps();
  const body = h("div", { class: "usage" });
  const period = select(
    [7, 30, 90].map((n) => [String(n), t.usage.lastDays(n)] as [string, string]),
    "30",
    "period",
  );
  period.id = "usage-period";

  const load = async () => {
    const n = Number(period.value);
    const to = new Date();
    const from = new Date(to.getTime() - (n - 1) * 86400000);
    const u = await api.usage(id, isoDay(from), isoDay(to));
    body.textContent = "";
    const facts = h("dl", { class: "totals" });
    for (const key of totals) {
      facts.append(h("div", null, h("dt", null, t.usage.counts[key]), h("dd", { "data-total": key }, num(u.totals[key] || 0))));
    }
    facts.append(h("div", null, h("dt", null, t.usage.faces), h("dd", { "data-total": "faces" }, num(u.faces))));
    body.appendChild(facts);
    for (const c of charts()) body.appendChild(barChart(c.title, u.days, c.series));
  };
  period.addEventListener("change", () => {
    load().catch(fail);
  });

  page.append(
    appPicker("usage", apps, id),
    heading(t.usage.title),
    h("div", { class: "field inline" }, h("label", { for: period.id }, t.usage.period), period),
    body,
  );
  await load();
}
