// Bar charts of counts per day, drawn by hand in SVG: one bar per day,
// the series stacked, a scale of round numbers, the first, middle and
// last days named. Each bar carries its day, series and value (data-*)
// and a tooltip (<title>); the figure has a summary for screen readers
// and the numbers themselves in a table under it.
import { h, s } from "../dom";
import type { UsageDay } from "./api";
import { num, state } from "./ui";

export interface Series {
  key: string; // the count's name in a day of the usage (api.ts UsageDay)
  label: string;
  cls: string; // the bars' class: their colour (console.css)
}

// The drawing's size, in the units of its text: a phone gets a narrower
// one, so that the text, scaled with it, stays readable.
const H = 200;
const pad = { left: 48, right: 8, top: 12, bottom: 28 };

// niceCeil is the smallest of 1, 2, 5, 10, 20, 50… at least v.
function niceCeil(v: number): number {
  if (v <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function value(d: UsageDay, key: string): number {
  const v = d[key];
  return typeof v === "number" ? v : 0;
}

function text(x: number, y: number, anchor: string, body: string, cls = "axis"): SVGElement {
  const t = s("text", { x: String(x), y: String(y), "text-anchor": anchor, class: cls });
  t.textContent = body;
  return t;
}

export function barChart(title: string, days: UsageDay[], series: Series[]): HTMLElement {
  const t = state.t;
  const W = window.innerWidth < 600 ? 360 : 640;
  const total = (key: string) => days.reduce((n, d) => n + value(d, key), 0);
  const totalAll = series.reduce((n, x) => n + total(x.key), 0);
  const top = niceCeil(Math.max(0, ...days.map((d) => series.reduce((n, x) => n + value(d, x.key), 0))));
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const y = (v: number) => pad.top + plotH - (v / top) * plotH;
  const band = plotW / Math.max(1, days.length);
  const barW = Math.max(1, band * 0.7);
  const from = days.length ? days[0].day : "";
  const to = days.length ? days[days.length - 1].day : "";
  const summary = t.usage.chartSummary(title, num(totalAll), from, to);

  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": summary, class: "chart", direction: "ltr" });
  // The scale: 0, the middle when it is a whole number, the top.
  const ticks = top % 2 === 0 ? [0, top / 2, top] : [0, top];
  for (const v of ticks) {
    svg.appendChild(s("line", { x1: String(pad.left), x2: String(W - pad.right), y1: String(y(v)), y2: String(y(v)), class: v === 0 ? "base" : "grid" }));
    svg.appendChild(text(pad.left - 6, y(v) + 4, "end", num(v)));
  }
  days.forEach((d, i) => {
    let acc = 0;
    const x = pad.left + i * band + (band - barW) / 2;
    for (const ser of series) {
      const v = value(d, ser.key);
      if (v <= 0) continue;
      const r = s("rect", {
        x: x.toFixed(1),
        y: y(acc + v).toFixed(1),
        width: barW.toFixed(1),
        height: Math.max(0.5, y(acc) - y(acc + v)).toFixed(1),
        class: "bar " + ser.cls,
        "data-day": d.day,
        "data-key": ser.key,
        "data-value": String(v),
      });
      const tip = s("title", {});
      tip.textContent = `${d.day} — ${ser.label}: ${num(v)}`;
      r.appendChild(tip);
      svg.appendChild(r);
      acc += v;
    }
  });
  const named = days.length > 2 ? [0, Math.floor(days.length / 2), days.length - 1] : days.map((_, i) => i);
  for (const i of named) {
    const anchor = i === 0 ? "start" : i === days.length - 1 ? "end" : "middle";
    const x = i === 0 ? pad.left : i === days.length - 1 ? W - pad.right : pad.left + (i + 0.5) * band;
    svg.appendChild(text(x, H - 8, anchor, days[i].day.slice(5)));
  }

  const legend = h("ul", { class: "legend" }, ...series.map((x) => h("li", null, h("span", { class: "swatch " + x.cls, "aria-hidden": "true" }), `${x.label}: ${num(total(x.key))}`)));
  const numbers = h(
    "table",
    null,
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t.usage.day), ...series.map((x) => h("th", { scope: "col" }, x.label)))),
    h("tbody", null, ...days.map((d) => h("tr", null, h("th", { scope: "row" }, d.day), ...series.map((x) => h("td", null, num(value(d, x.key))))))),
  );
  return h(
    "figure",
    { class: "card chart-card", "data-chart": series.map((x) => x.key).join(" ") },
    h("figcaption", null, h("h2", null, title), legend),
    svg,
    h("details", null, h("summary", null, t.usage.table), h("div", { class: "table-wrap" }, numbers)),
  );
}
