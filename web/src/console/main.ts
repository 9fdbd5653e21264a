// The operator console's page (package console serves it at /console):
// sign-in, then six sections, each at its own address (#/apps,
// #/keys/APP, #/faces/APP, #/usage/APP, #/webhooks/APP, #/audit or
// #/audit/APP) so that the browser's back button and bookmarks work.
// Plain DOM, no framework: see ../dom.ts.
import { h } from "../dom";
import { api, session, signIn, signOut, whenSignedOut, ApiError } from "./api";
import type { App } from "./api";
import { chooseLang, direction, languages, saveLang } from "./i18n";
import type { Lang } from "./i18n";
import { appPage, appsPage } from "./apps";
import { auditPage } from "./audit";
import { facesPage } from "./faces";
import { keysPage } from "./keys";
import { usagePage } from "./usage";
import { webhooksPage } from "./webhooks";
import { clearNotice, fail, field, heading, notify, select, setStatusLine, state } from "./ui";

const root = document.getElementById("console") as HTMLElement;
let signedIn = false;

type Section = "apps" | "keys" | "faces" | "usage" | "webhooks" | "audit";
const sections: Section[] = ["apps", "keys", "faces", "usage", "webhooks", "audit"];
// The sections about one application, which show the last one shown
// when the address names none.
const scoped: Section[] = ["keys", "faces", "usage", "webhooks"];

function setLang(lang: Lang): void {
  state.lang = lang;
  state.t = languages[lang];
  document.documentElement.lang = lang;
  document.documentElement.dir = direction(lang);
  document.title = state.t.brand;
}

// header is the bar at the top: the name, the sections once signed in,
// the language, and sign-out.
function header(): HTMLElement {
  const t = state.t;
  const langs = select(
    (Object.keys(languages) as Lang[]).map((l) => [l, languages[l].langName]),
    state.lang,
    "lang",
  );
  langs.addEventListener("change", () => {
    saveLang(langs.value as Lang);
    setLang(langs.value as Lang);
    if (signedIn) showShell();
    else showSignIn();
  });
  const skip = h("a", { class: "skip", href: "#main" }, t.skip);
  skip.addEventListener("click", (ev) => {
    ev.preventDefault();
    const m = document.getElementById("main");
    if (m) m.focus();
  });
  const bar = h("header", { class: "bar" }, skip, h("span", { class: "brand" }, t.brand));
  if (signedIn) {
    const nav = h("nav", { "aria-label": t.navLabel }, ...sections.map((s) => h("a", { href: "#/" + s, "data-section": s }, t.nav[s])));
    bar.appendChild(nav);
  }
  const tools = h("div", { class: "tools" }, field(t.language, langs, undefined, "field inline"));
  if (signedIn) {
    const out = h("button", { type: "button", class: "btn", "data-signout": true }, t.signOut);
    out.addEventListener("click", async () => {
      try {
        await signOut();
      } catch (e) {
        // Signed out here either way: the cookie is the server's to drop.
      }
      signedIn = false;
      location.hash = "";
      showSignIn();
    });
    tools.appendChild(out);
  }
  bar.appendChild(tools);
  return bar;
}

function showSignIn(message?: string): void {
  signedIn = false;
  const t = state.t;
  root.textContent = "";
  const input = h("input", { type: "password", name: "token", autocomplete: "off", required: true, spellcheck: "false" });
  const err = h("p", { class: "status error", role: "alert" });
  if (message) err.textContent = message;
  const submit = h("button", { type: "submit", class: "btn primary" }, t.signIn.submit);
  const form = h(
    "form",
    { class: "card signin", "data-form": "signin", novalidate: true },
    heading(t.signIn.title),
    h("p", null, t.signIn.text),
    field(t.signIn.token, input),
    err,
    submit,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    submit.disabled = true;
    try {
      await signIn(input.value.trim());
      input.value = "";
      showShell();
    } catch (e) {
      if (e instanceof ApiError && e.status === 429) err.textContent = t.signIn.throttled(e.retryAfter || 60);
      else if (e instanceof ApiError && e.status === 401) err.textContent = t.signIn.wrong;
      else err.textContent = e instanceof Error ? e.message : String(e);
      input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  root.append(header(), h("main", { id: "main", tabindex: "-1" }, form));
  input.focus();
}

function showShell(): void {
  signedIn = true;
  root.textContent = "";
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  setStatusLine(status);
  root.append(header(), h("main", { id: "main", tabindex: "-1" }, status, h("div", { id: "page" })));
  route();
}

// pickApp finds the application an app-scoped section shows when the
// address names none: the last one shown, else the first.
async function pickApp(section: Section, page: HTMLElement): Promise<void> {
  const apps: App[] = await api.apps();
  if (!apps.length) {
    page.append(heading(state.t.nav[section]), h("p", null, h("a", { href: "#/apps" }, state.t.noApps)));
    return;
  }
  const id = apps.some((a) => a.id === state.current) ? state.current : apps[0].id;
  location.replace(`#/${section}/${encodeURIComponent(id)}`);
}

async function route(): Promise<void> {
  if (!signedIn) return;
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  let section = parts[0] as Section;
  if (!sections.includes(section)) section = "apps";
  const id = parts[1] || "";
  if (id) state.current = id;
  for (const a of Array.from(document.querySelectorAll("nav a"))) {
    const s = a.getAttribute("data-section") as Section;
    a.setAttribute("href", !scoped.includes(s) || !state.current ? "#/" + s : `#/${s}/${encodeURIComponent(state.current)}`);
    if (s === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const old = document.getElementById("page");
  if (!old) return;
  const page = h("div", { id: "page", "data-page": section, "aria-busy": "true" }, h("p", { class: "loading" }, state.t.loading));
  old.replaceWith(page);
  const done = () => {
    const busy = page.querySelector(".loading");
    if (busy) busy.remove();
    page.removeAttribute("aria-busy");
  };
  try {
    if (section === "apps" && id) {
      await appPage(page, id);
    } else if (section === "apps") {
      await appsPage(page);
    } else if (section === "audit") {
      await auditPage(page, id);
    } else if (!id) {
      await pickApp(section, page);
    } else {
      if (section === "keys") await keysPage(page, id);
      if (section === "faces") await facesPage(page, id);
      if (section === "usage") await usagePage(page, id);
      if (section === "webhooks") await webhooksPage(page, id);
    }
  } catch (e) {
    fail(e);
  }
  done();
  const h1 = page.querySelector("h1");
  if (h1 && page.isConnected) (h1 as HTMLElement).focus();
}

window.addEventListener("hashchange", () => {
  clearNotice();
  route();
});

async function boot(): Promise<void> {
  setLang(chooseLang());
  whenSignedOut(() => showSignIn(state.t.signIn.ended));
  try {
    signedIn = (await session()) !== null;
  } catch (e) {
    signedIn = false;
  }
  if (signedIn) showShell();
  else showSignIn();
}

boot().catch((e) => notify(String(e), "error"));
