// A tiny element builder, so the screens read as the markup they make.
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | undefined>;

// h("button", {class: "btn", type: "button"}, "OK"). An attribute set to
// true is present and empty (data-accept=""); false or undefined is left out.
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const name of Object.keys(attrs)) {
      const v = attrs[name];
      if (v === undefined || v === false) continue;
      el.setAttribute(name, v === true ? "" : v);
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

// s builds an SVG element. Built node by node rather than parsed from a
// string: pages that enforce Trusted Types refuse innerHTML.
export function s(tag: string, attrs: Record<string, string>, ...children: Element[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const name of Object.keys(attrs)) el.setAttribute(name, attrs[name]);
  for (const c of children) el.appendChild(c);
  return el;
}
