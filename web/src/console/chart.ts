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

// A bar of a horizontal chart: what it counts (an endpoint, an error
// code) and its counts by series.
export interface Bar {
  label: string;
  values: Record<string, number>;
}

// hbarChart draws one horizontal bar per row, its series stacked, the
// row's name above it and its total at its end: totals over a period
// (calls per endpoint, refusals per code). Each bar carries its row
// (data-{attr}), series and value; the numbers are in a table under it.
export function hbarChart(title: string, rows: Bar[], series: Series[], attr: string, rowHead: string): HTMLElement {
  const t = state.t;
  const W = window.innerWidth < 600 ? 360 : 640;
  const rowH = 36;
  const left = 8;
  const right = 56;
  const Hh = Math.max(1, rows.length) * rowH + 8;
  const sum = (r: Bar) => series.reduce((n, x) => n + (r.values[x.key] || 0), 0);
  const top = niceCeil(Math.max(0, ...rows.map(sum)));
  const plotW = W - left - right;
  const totalAll = rows.reduce((n, r) => n + sum(r), 0);
  const card = h("figure", { class: "card chart-card", "data-chart": attr });
  const legend = h("ul", { class: "legend" }, ...(series.length > 1 ? series.map((x) => h("li", null, h("span", { class: "swatch " + x.cls, "aria-hidden": "true" }), x.label)) : []));
  card.appendChild(h("figcaption", null, h("h2", null, title), legend));
  if (!rows.length) {
    card.appendChild(h("p", { class: "help", "data-empty": true }, t.usage.nothing));
    return card;
  }
  const svg = s("svg", { viewBox: `0 0 ${W} ${Hh}`, role: "img", "aria-label": t.usage.barsSummary(title, num(totalAll), rows.length), class: "chart", direction: "ltr" });
  rows.forEach((r, i) => {
    const y0 = 4 + i * rowH;
    svg.appendChild(text(left, y0 + 12, "start", r.label, "label"));
    svg.appendChild(s("line", { x1: String(left), x2: String(left), y1: String(y0 + 16), y2: String(y0 + 32), class: "base" }));
    let acc = 0;
    for (const ser of series) {
      const v = r.values[ser.key] || 0;
      if (v <= 0) continue;
      const x = left + (acc / top) * plotW;
      const rect = s("rect", {
        x: x.toFixed(1),
        y: String(y0 + 17),
        width: Math.max(0.5, (v / top) * plotW).toFixed(1),
        height: "14",
        class: "bar " + ser.cls,
        ["data-" + attr]: r.label,
        "data-key": ser.key,
        "data-value": String(v),
      });
      const tip = s("title", {});
      tip.textContent = `${r.label} — ${ser.label}: ${num(v)}`;
      rect.appendChild(tip);
      svg.appendChild(rect);
      acc += v;
    }
    svg.appendChild(text(left + (acc / top) * plotW + 6, y0 + 29, "start", num(acc)));
  });
  const numbers = h(
    "table",
    null,
    h("thead", null, h("tr", null, h("th", { scope: "col" }, rowHead), ...series.map((x) => h("th", { scope: "col" }, x.label)))),
    h("tbody", null, ...rows.map((r) => h("tr", null, h("th", { scope: "row" }, r.label), ...series.map((x) => h("td", null, num(r.values[x.key] || 0)))))),
  );
  card.append(svg, h("details", null, h("summary", null, t.usage.table), h("div", { class: "table-wrap" }, numbers)));
  return card;
}

// lineChart draws a count per day as a line, with a dot on each day
// that has one: a day without (null) is a gap. Each dot carries its day,
// key and value.
export function lineChart(title: string, days: UsageDay[], ser: Series): HTMLElement {
  const t = state.t;
  const W = window.innerWidth < 600 ? 360 : 640;
  const at = (d: UsageDay) => (typeof d[ser.key] === "number" ? (d[ser.key] as number) : null);
  const known = days.map(at).filter((v): v is number => v !== null);
  const card = h("figure", { class: "card chart-card", "data-chart": ser.key });
  card.appendChild(h("figcaption", null, h("h2", null, title)));
  if (!known.length) {
    card.appendChild(h("p", { class: "help", "data-empty": true }, t.usage.notRecordedYet));
    return card;
  }
  const top = niceCeil(Math.max(0, ...known));
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const y = (v: number) => pad.top + plotH - (v / top) * plotH;
  const band = plotW / Math.max(1, days.length);
  const x = (i: number) => pad.left + (i + 0.5) * band;
  const from = days[0].day;
  const to = days[days.length - 1].day;
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`,
    role: "img",
    "aria-label": t.usage.lineSummary(title, num(known[known.length - 1]), from, to),
    class: "chart",
    direction: "ltr",
  });
  const ticks = top % 2 === 0 ? [0, top / 2, top] : [0, top];
  for (const v of ticks) {
    svg.appendChild(s("line", { x1: String(pad.left), x2: String(W - pad.right), y1: String(y(v)), y2: String(y(v)), class: v === 0 ? "base" : "grid" }));
    svg.appendChild(text(pad.left - 6, y(v) + 4, "end", num(v)));
  }
  // The line, broken where a day has no count.
  let run: string[] = [];
  const flush = () => {
    if (run.length > 1) svg.appendChild(s("polyline", { points: run.join(" "), class: "line " + ser.cls }));
    run = [];
  };
  days.forEach((d, i) => {
    const v = at(d);
    if (v === null) {
      flush();
      return;
    }
    run.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  });
  flush();
  days.forEach((d, i) => {
    const v = at(d);
    if (v === null) return;
    const dot = s("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: "3", class: "dot " + ser.cls, "data-day": d.day, "data-key": ser.key, "data-value": String(v) });
    const tip = s("title", {});
    tip.textContent = `${d.day} — ${ser.label}: ${num(v)}`;
    dot.appendChild(tip);
    svg.appendChild(dot);
  });
  const named = days.length > 2 ? [0, Math.floor(days.length / 2), days.length - 1] : days.map((_, i) => i);
  for (const i of named) {
    const anchor = i === 0 ? "start" : i === days.length - 1 ? "end" : "middle";
    const tx = i === 0 ? pad.left : i === days.length - 1 ? W - pad.right : x(i);
    svg.appendChild(text(tx, H - 8, anchor, days[i].day.slice(5)));
  }
  const numbers = h(
    "table",
    null,
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t.usage.day), h("th", { scope: "col" }, ser.label))),
    h("tbody", null, ...days.map((d) => {
      const v = at(d);
      return h("tr", null, h("th", { scope: "row" }, d.day), h("td", null, v === null ? t.usage.notRecorded : num(v)));
    })),
  );
  card.append(svg, h("details", null, h("summary", null, t.usage.table), h("div", { class: "table-wrap" }, numbers)));
  return card;
}
