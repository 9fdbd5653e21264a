// The modal shell: a dimmed backdrop and a card, inside an open shadow root
// on <div id="visage-fio"> at the end of <body>. It knows nothing of the
// protocol: the flow shows one screen after another in it, and the modal
// keeps focus inside, reports Escape and the close button, and mirrors the
// current screen's name on the host (data-state) so that a test can follow
// along from outside the shadow root.
import { h } from "./dom";
import { FlowError } from "./errors";
import { direction, type Lang, type Strings } from "./i18n";
import { closeIcon, faceIcon } from "./icons";
import { css } from "./styles";

export type ScreenName = "consent" | "intro" | "camera" | "scan" | "pin" | "processing" | "success" | "failure";

export const HOST_ID = "visage-fio";

export interface ShowOptions {
  // Where focus goes; by default the screen's heading, so a screen reader
  // starts reading the new screen from its top.
  focus?: HTMLElement;
  // What the close button and Escape do on this screen, instead of the
  // modal's onDismiss.
  onDismiss?: () => void;
  // Undoes what the screen started (timers), when the next one replaces it.
  cleanup?: () => void;
}

export class Modal {
  screen: ScreenName | null = null;
  // The close button and Escape, on screens that don't handle them.
  onDismiss: () => void = () => {};

  private host: HTMLDivElement | null = null;
  private root: ShadowRoot | null = null;
  private card: HTMLElement | null = null;
  private body: HTMLElement | null = null;
  private current: ShowOptions = {};
  private returnFocus: Element | null = null;
  private savedOverflow = "";

  constructor(readonly t: Strings, readonly lang: Lang, private readonly title: string) {}

  // open attaches the modal. UI_NOT_READY when there is no <body> yet (a
  // script in <head> calling too early) or no Shadow DOM; SESSION_IN_PROGRESS
  // when another widget on the page already shows its modal.
  open(): void {
    const page = typeof document !== "undefined" ? document.body : null;
    if (!page) throw new FlowError("UI_NOT_READY", "document.body does not exist yet: start the widget once the page has loaded");
    if (document.getElementById(HOST_ID)) throw new FlowError("SESSION_IN_PROGRESS", "another Visage widget is already open");
    const host = h("div", { id: HOST_ID });
    let root: ShadowRoot;
    try {
      root = host.attachShadow({ mode: "open" });
    } catch (err) {
      throw new FlowError("UI_NOT_READY", "this browser cannot attach a shadow root: " + String(err));
    }
    addStyles(root);

    const close = h("button", { class: "x", type: "button", "aria-label": this.t.close, title: this.t.close }, closeIcon());
    close.addEventListener("click", () => this.dismiss());
    this.body = h("div", { class: "body" });
    this.card = h(
      "div",
      { class: "card", role: "dialog", "aria-modal": "true", "aria-labelledby": "vf-title", lang: this.lang, dir: direction(this.lang) },
      h("div", { class: "head" }, h("h2", { id: "vf-title" }, faceIcon(), this.title), close),
      this.body,
      h("div", { class: "foot" }, this.t.poweredBy),
    );
    root.appendChild(h("div", { class: "backdrop" }, this.card));

    try {
      page.appendChild(host);
    } catch (err) {
      throw new FlowError("UI_NOT_READY", "could not add the modal to the page: " + String(err));
    }
    this.host = host;
    this.root = root;
    this.returnFocus = document.activeElement;
    // The page behind must not scroll under the modal.
    this.savedOverflow = document.documentElement.style.overflow;
    document.documentElement.style.overflow = "hidden";
    document.addEventListener("keydown", this.onKey, true);
    document.addEventListener("focusin", this.onFocusIn, true);
  }

  get isOpen(): boolean {
    return this.host !== null;
  }

  // show replaces the card's content with a screen.
  show(name: ScreenName, content: HTMLElement, opts: ShowOptions = {}): void {
    if (!this.host || !this.body) return;
    this.leaveScreen();
    this.screen = name;
    this.current = opts;
    content.setAttribute("data-screen", name);
    this.body.textContent = "";
    this.body.appendChild(content);
    this.host.setAttribute("data-state", name);
    const target = opts.focus || content.querySelector<HTMLElement>("h3") || this.card;
    if (target) {
      if (!target.hasAttribute("tabindex") && !isFocusable(target)) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    }
  }

  // close removes the modal and gives focus back to where it was. Safe to
  // call more than once.
  close(): void {
    if (!this.host) return;
    this.leaveScreen();
    document.removeEventListener("keydown", this.onKey, true);
    document.removeEventListener("focusin", this.onFocusIn, true);
    document.documentElement.style.overflow = this.savedOverflow;
    this.host.remove();
    this.host = this.root = this.card = this.body = null;
    this.screen = null;
    const back = this.returnFocus as HTMLElement | null;
    this.returnFocus = null;
    if (back && back.isConnected && typeof back.focus === "function") back.focus({ preventScroll: true });
  }

  private leaveScreen(): void {
    const cleanup = this.current.cleanup;
    this.current = {};
    if (cleanup) cleanup();
  }

  private dismiss(): void {
    (this.current.onDismiss || this.onDismiss)();
  }

  // Escape closes; Tab and Shift+Tab cycle inside the card (aria-modal says
  // the page behind is out of reach, so the keyboard must not get there).
  private readonly onKey = (e: KeyboardEvent): void => {
    if (!this.card || !this.root) return;
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.dismiss();
      return;
    }
    if (e.key !== "Tab") return;
    const items = focusables(this.card);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = this.root.activeElement;
    if (!active || (e.shiftKey && active === first) || (!e.shiftKey && active === last) || items.indexOf(active as HTMLElement) < 0) {
      e.preventDefault();
      (e.shiftKey ? last : first).focus();
    }
  };

  // Focus that lands on the page behind (a click on the backdrop, a page
  // script) is brought back into the card.
  private readonly onFocusIn = (e: FocusEvent): void => {
    if (!this.host || e.target === this.host) return;
    const items = this.card ? focusables(this.card) : [];
    if (items.length) items[0].focus();
  };
}

function addStyles(root: ShadowRoot): void {
  // A constructed stylesheet passes pages whose CSP forbids inline <style>;
  // browsers without them get the <style> element.
  const shadow = root as ShadowRoot & { adoptedStyleSheets?: CSSStyleSheet[] };
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
    return;
  } catch {
    // fall through
  }
  root.appendChild(h("style", null, css));
}

function isFocusable(el: HTMLElement): boolean {
  return /^(BUTTON|INPUT|SELECT|TEXTAREA|A)$/.test(el.tagName);
}

function focusables(card: HTMLElement): HTMLElement[] {
  const all = card.querySelectorAll<HTMLElement>('button:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])');
  return Array.prototype.slice.call(all);
}
