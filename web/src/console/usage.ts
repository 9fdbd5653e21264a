// Usage: an application's calls and widget sessions per day, as charts;
// its calls per endpoint and its refusals per error code over the
// period; the presentation attacks it refused; and its gallery's size
// over time.
import { h } from "../dom";
import { api } from "./api";
import type { Usage, UsageDay } from "./api";
import type { UsageKey } from "./i18n";
import { barChart, hbarChart, lineChart } from "./chart";
import type { Bar, Series } from "./chart";
import { appPicker, heading, num, select, state, fail } from "./ui";

function ser(key: UsageKey, cls: string): Series {
  return { key, label: state.t.usage.counts[key], cls };
}

// The charts per day, each a list of counts stacked per day. A count the
// server adds to a day is charted by naming it here.
function dayCharts(): Array<{ title: string; series: Series[] }> {
  const t = state.t;
  return [
    { title: t.usage.charts.calls, series: [ser("succeeded", "s-ok"), ser("refused", "s-bad")] },
    { title: t.usage.charts.pad, series: [ser("pad_attacks", "s-pad")] },
    { title: t.usage.charts.sessions, series: [ser("widget_sessions", "s-sessions")] },
    { title: t.usage.charts.frames, series: [ser("widget_frames", "s-frames")] },
  ];
}

// The totals shown above the charts.
const totals: UsageKey[] = ["calls", "succeeded", "refused", "pad_attacks", "widget_sessions", "widget_frames"];

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

// gallery is the faces per day, today's being the count now when the
// hourly record has not been made yet.
function gallery(u: Usage): UsageDay[] {
  const today = isoDay(new Date());
  return u.days.map((d) => (d.day === today && (d.faces === null || d.faces === undefined) ? Object.assign({}, d, { faces: u.faces }) : d));
}

function charts(u: Usage): HTMLElement[] {
  const t = state.t;
  const out: HTMLElement[] = [];
  const [calls, ...rest] = dayCharts();
  out.push(barChart(calls.title, u.days, calls.series));
  if (u.endpoints) {
    const rows: Bar[] = u.endpoints.map((e) => ({ label: e.endpoint, values: { succeeded: e.succeeded, refused: e.refused } }));
    out.push(hbarChart(t.usage.charts.endpoints, rows, [ser("succeeded", "s-ok"), ser("refused", "s-bad")], "endpoint", t.usage.endpoint));
  }
  if (u.refusals) {
    const codes = Object.keys(u.refusals).sort((a, b) => (u.refusals as Record<string, number>)[b] - (u.refusals as Record<string, number>)[a] || a.localeCompare(b));
    const rows: Bar[] = codes.map((c) => ({ label: c, values: { refused: (u.refusals as Record<string, number>)[c] } }));
    out.push(hbarChart(t.usage.charts.refusals, rows, [ser("refused", "s-bad")], "code", t.usage.code));
  }
  for (const c of rest) out.push(barChart(c.title, u.days, c.series));
  out.push(lineChart(t.usage.charts.gallery, gallery(u), { key: "faces", label: t.usage.faces, cls: "s-faces" }));
  return out;
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
      if (u.totals[key] === undefined) continue;
      facts.append(h("div", null, h("dt", null, t.usage.counts[key]), h("dd", { "data-total": key }, num(u.totals[key] || 0))));
    }
    facts.append(h("div", null, h("dt", null, t.usage.faces), h("dd", { "data-total": "faces" }, num(u.faces))));
    body.appendChild(facts);
    for (const c of charts(u)) body.appendChild(c);
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
