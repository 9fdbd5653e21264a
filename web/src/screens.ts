// The modal's screens, in the order a person meets them. Each builds its
// content, shows it, and (when it waits for the person) returns a promise
// of what they did. None of them talks to the server.
import type { FrameReply } from "./api";
import { h } from "./dom";
import type { FioErrName } from "./errors";
import type { Guidance } from "./i18n";
import {
  alertIcon,
  blockedIcon,
  cameraIcon,
  cameraOffIcon,
  checkIcon,
  clockIcon,
  faceIcon,
  lightIcon,
  lockIcon,
  moveCue,
  ovalOverlay,
  shieldIcon,
  wifiOffIcon,
} from "./icons";
import type { Modal } from "./ui";

function button(label: string, kind: "primary" | "secondary", attrs: Record<string, string | boolean> = {}): HTMLButtonElement {
  return h("button", { class: "btn " + kind, type: "button", ...attrs }, label);
}

function icon(svg: Element, tone = ""): HTMLElement {
  return h("div", { class: "icon " + tone }, svg);
}

// consentScreen resolves with the person's answer, or "timeout" when they
// gave none within timeoutMs.
export function consentScreen(m: Modal, timeoutMs: number): Promise<"accept" | "decline" | "timeout"> {
  const t = m.t;
  return new Promise((resolve) => {
    const accept = button(t.accept, "primary", { "data-accept": true });
    const decline = button(t.decline, "secondary", { "data-decline": true });
    accept.addEventListener("click", () => resolve("accept"));
    decline.addEventListener("click", () => resolve("decline"));
    const timer = setTimeout(() => resolve("timeout"), timeoutMs);
    m.show(
      "consent",
      h(
        "section",
        { class: "screen" },
        icon(shieldIcon()),
        h("h3", null, t.consentTitle),
        h("p", null, t.consentText),
        h("p", { class: "note" }, t.consentNote),
        h("div", { class: "actions" }, decline, accept),
      ),
      { cleanup: () => clearTimeout(timer) },
    );
  });
}

// introScreen explains what is about to happen; it goes on by itself after
// timeoutMs, for people who don't look for the button.
export function introScreen(m: Modal, timeoutMs: number): Promise<void> {
  const t = m.t;
  return new Promise((resolve) => {
    const start = button(t.start, "primary", { "data-start": true });
    start.addEventListener("click", () => resolve());
    const timer = setTimeout(resolve, timeoutMs);
    m.show(
      "intro",
      h(
        "section",
        { class: "screen" },
        icon(lightIcon()),
        h("h3", null, t.introTitle),
        h("p", null, t.introText),
        h("div", { class: "actions" }, start),
      ),
      { cleanup: () => clearTimeout(timer) },
    );
  });
}

// cameraScreen stays up while the browser's permission prompt is open.
export function cameraScreen(m: Modal): void {
  const t = m.t;
  m.show(
    "camera",
    h(
      "section",
      { class: "screen" },
      icon(cameraIcon()),
      h("h3", null, t.cameraTitle),
      h("p", null, t.cameraText),
    ),
  );
}

export interface ScanView {
  video: HTMLVideoElement;
  update(reply: FrameReply): void;
}

// The head movements the server asks for, each shown by the arrow.
const MOVES: Guidance[] = ["turn_left", "turn_right", "nod_up", "nod_down"];

// The oval turns green when the face is where it should be: the server says
// ok, or it is asking for a liveness move (the face was found to do it).
const GOOD: Guidance[] = ["ok", "hold", ...MOVES];

// speak reads a movement's instruction aloud once, in the widget's
// language, for people who are looking at the camera rather than at the
// text; screen readers also get every sentence through aria-live.
function speak(text: string, lang: string): void {
  const synth = typeof speechSynthesis === "undefined" ? null : speechSynthesis;
  if (!synth || typeof SpeechSynthesisUtterance === "undefined") return;
  synth.cancel();
  const u = new SpeechSynthesisUtterance(text);
  u.lang = lang;
  synth.speak(u);
}

// scanScreen shows the mirrored live video under the oval guide, the
// server's guidance as a sentence (read out by screen readers as it
// changes), and the progress.
export function scanScreen(m: Modal): ScanView {
  const t = m.t;
  const video = h("video", { autoplay: true, playsinline: true, muted: true, "aria-hidden": "true" });
  video.muted = true; // the attribute alone doesn't mute in every browser, and autoplay needs muted
  const stage = h("div", { class: "stage" }, video, ovalOverlay(), moveCue());
  const step = h("p", { class: "step", "data-step": "" });
  const guidance = h("p", { class: "guidance", "aria-live": "polite", "data-guidance": "" }, t.scanStart);
  const fill = h("div", null);
  const bar = h(
    "div",
    { class: "bar", role: "progressbar", "aria-label": t.progress, "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" },
    fill,
  );
  m.show("scan", h("section", { class: "screen" }, h("h3", { class: "sr-only" }, t.progress), stage, step, guidance, bar));

  let shown = "";
  return {
    video,
    update(reply: FrameReply) {
      const key = reply.guidance;
      const known = Object.prototype.hasOwnProperty.call(t.guidance, key);
      // An unknown instruction (a newer server) is not worth a blank line:
      // keep the person looking at the camera.
      const text = known ? t.guidance[key] : t.guidance.ok;
      const move = MOVES.indexOf(key) >= 0;
      if (text !== shown) {
        guidance.textContent = text; // only on change, so it is read out once
        shown = text;
        if (move) speak(text, m.lang);
      }
      guidance.setAttribute("data-guidance", String(key));
      stage.classList.toggle("good", known && GOOD.indexOf(key) >= 0);
      // The arrow shows the movement asked, and stays while it is held.
      if (move) stage.setAttribute("data-move", key);
      else if (key !== "hold") stage.removeAttribute("data-move");
      const i = Number(reply.step) || 0;
      const n = Number(reply.steps) || 0;
      step.textContent = i > 0 && n > 0 ? t.step(i, n) : "";
      const pct = Math.round(Math.max(0, Math.min(1, Number(reply.progress) || 0)) * 100);
      fill.style.width = pct + "%";
      bar.setAttribute("aria-valuenow", String(pct));
    },
  };
}

export function processingScreen(m: Modal, text: string): void {
  m.show(
    "processing",
    h(
      "section",
      { class: "screen", role: "status" },
      h("div", { class: "spinner", "aria-hidden": "true" }),
      h("h3", null, text),
    ),
  );
}

// successScreen resolves when the person closes it, or after ms.
export function successScreen(m: Modal, title: string, text: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const close = button(m.t.close, "primary", { "data-close": true });
    close.addEventListener("click", () => resolve());
    const timer = setTimeout(resolve, ms);
    m.show(
      "success",
      h(
        "section",
        { class: "screen" },
        icon(checkIcon(), "good"),
        h("h3", null, title),
        h("p", null, text),
        h("div", { class: "actions" }, close),
      ),
      { cleanup: () => clearTimeout(timer), onDismiss: () => resolve() },
    );
  });
}

// How each failure looks: a picture of the trouble, and a tone. Amber for
// what the person can put right by trying again, grey for what is out of
// their hands, red only for the PIN lock; already enrolled is no failure
// of theirs at all.
type Tone = "warn" | "muted" | "bad" | "";

function failureLook(code: FioErrName): { svg: () => Element; tone: Tone } {
  switch (code) {
    case "PERMISSION_REFUSED":
      return { svg: cameraOffIcon, tone: "warn" };
    case "NO_FACES_DETECTED":
    case "UNRECOGNIZED_FACE":
    case "MANY_FACES":
    case "PAD_ATTACK":
    case "FACE_MISMATCH":
      return { svg: () => faceIcon(30), tone: "warn" };
    case "WRONG_PIN_CODE":
      return { svg: lockIcon, tone: "bad" };
    case "NETWORK_IO":
      return { svg: wifiOffIcon, tone: "warn" };
    case "TIMEOUT":
    case "SESSION_EXPIRED":
    case "TOO_MANY_REQUESTS":
      return { svg: clockIcon, tone: "warn" };
    case "UNAUTHORIZED":
    case "EMPTY_ORIGIN":
    case "FORBIDDDEN_ORIGIN":
    case "FORBIDDDEN_COUNTRY":
    case "MINORS_NOT_ALLOWED":
    case "UPGRADE_REQUIRED":
      return { svg: blockedIcon, tone: "muted" };
    case "TERMS_NOT_ACCEPTED":
      return { svg: shieldIcon, tone: "muted" };
    case "FACE_DUPLICATION":
      return { svg: () => faceIcon(30), tone: "" };
    default:
      return { svg: alertIcon, tone: "warn" };
  }
}

// failureScreen explains code and resolves when the person closes it, or
// after ms.
export function failureScreen(m: Modal, code: FioErrName, ms: number): Promise<void> {
  const t = m.t;
  const why = t.errors[code] || t.errors.PROCESSING_ERR;
  const look = failureLook(code);
  return new Promise((resolve) => {
    const close = button(t.close, "primary", { "data-close": true });
    close.addEventListener("click", () => resolve());
    const timer = setTimeout(resolve, ms);
    // The heading and the explanation are read out together, as one alert.
    const el = h(
      "section",
      { class: "screen", "data-code": code },
      icon(look.svg(), look.tone),
      h("div", { class: "why", role: "alert" }, h("h3", null, why.title), h("p", null, why.text)),
      h("div", { class: "actions" }, close),
    );
    m.show("failure", el, { focus: close, cleanup: () => clearTimeout(timer), onDismiss: () => resolve() });
  });
}
