// FaceAuth: the one-line embed. A page adds
//
//   <script src="HOST/widget.js" data-api-key="PUBLIC_ID" data-user-id="USER_ID"></script>
//
// and gets a "Sign in with your face" button right after the tag, plus the
// global FaceAuth = {onSuccess(fn), onError(fn), start()}. The button (or
// start()) runs a "verify" of that user: is the person at the camera the one
// enrolled as data-user-id?
//
// data-api-key is the app's PUBLIC ID, which is meant to be seen by anyone
// reading the page (it only names the app whose rules apply). It is never
// the app's private key: that one stays on the app's backend.
import { FlowError, type FioErrName } from "./errors";
import { trimHost } from "./fio";
import { Run } from "./flow";
import { resolveLang, strings } from "./i18n";
import { faceIcon } from "./icons";
import { h } from "./dom";
import { ACCENT } from "./styles";

// What the server's verify returns, passed to onSuccess as is.
export interface VerifyResult {
  success: boolean;
  match: boolean;
  status: string;
  confidence: number;
  identity: unknown;
  message: string;
  user: { id: string; external_user_id: string; name: string };
}

export interface FaceAuthError {
  code: FioErrName; // a fioErrCode name, e.g. "FACE_MISMATCH"
  message: string;
}

export interface FaceAuthAPI {
  onSuccess(fn: (result: VerifyResult) => void): void;
  onError(fn: (error: FaceAuthError) => void): void;
  start(): Promise<void>;
}

// The button is in the page itself (a test or the page can find it as
// button[data-visage-faceauth]), so its look is set inline, strongly enough
// to survive ordinary page CSS.
const BUTTON_STYLE = [
  "display:inline-flex",
  "align-items:center",
  "gap:8px",
  "min-height:44px",
  "padding:10px 18px",
  "border:0",
  "border-radius:10px",
  `background:${ACCENT}`,
  "color:#fff",
  'font:600 16px/1.2 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif',
  "cursor:pointer",
].join(";");

export function installFaceAuth(script: HTMLScriptElement | null): FaceAuthAPI {
  const data = script ? script.dataset : ({} as DOMStringMap);
  const host = trimHost(script && script.src ? new URL(script.src, location.href).origin : location.origin);
  const publicId = data.apiKey || "";
  const userId = data.userId || "";
  const locale = data.locale; // optional override of the browser's languages
  if (!publicId) console.error("visage: widget.js needs data-api-key (the app's public ID)");
  if (!userId) console.error("visage: widget.js needs data-user-id (the user to sign in)");

  const successes: ((r: VerifyResult) => void)[] = [];
  const errors: ((e: FaceAuthError) => void)[] = [];
  let running: Promise<void> | null = null;

  const t = strings(resolveLang(locale));
  const button = h("button", { type: "button", "data-visage-faceauth": "", style: BUTTON_STYLE }, faceIcon(), t.signInButton);

  // start runs one verify; a second start while one runs joins it. It
  // never rejects: the outcome goes to the handlers.
  function start(): Promise<void> {
    if (running) return running;
    button.disabled = true;
    const run = new Run<VerifyResult>({
      host,
      publicId,
      operation: "verify",
      userId,
      locale,
      userConsent: true,
      permissionTimeoutMs: 27000,
      termsTimeoutMs: 10 * 60 * 1000,
      idleTimeoutSec: 27,
      replyTimeoutMs: 40000,
      introTimeoutMs: 12000,
    });
    running = run.result.then(
      (result) => call(successes, result),
      (err: unknown) => {
        const e = err instanceof FlowError ? err : new FlowError("PROCESSING_ERR", String(err));
        // The server's message is the more precise one for a developer;
        // otherwise the sentence the person saw.
        call(errors, { code: e.code, message: e.fromServer ? e.message : run.t.errors[e.code].text });
      },
    ).then(() => {
      running = null;
      button.disabled = false;
    });
    return running;
  }

  button.addEventListener("click", () => {
    start();
  });
  placeButton(script, button);

  return {
    onSuccess(fn) {
      if (typeof fn === "function") successes.push(fn);
    },
    onError(fn) {
      if (typeof fn === "function") errors.push(fn);
    },
    start,
  };
}

// placeButton puts the button right after the script tag. A tag in <head>
// can't hold a button; then it goes at the end of <body> once there is one.
function placeButton(script: HTMLScriptElement | null, button: HTMLButtonElement): void {
  const parent = script && script.parentNode;
  if (script && parent && parent !== document.head && parent !== document.documentElement) {
    parent.insertBefore(button, script.nextSibling);
    return;
  }
  const append = () => document.body.appendChild(button);
  if (document.body) append();
  else document.addEventListener("DOMContentLoaded", append, { once: true });
}

// call runs every handler; one that throws doesn't keep the others from
// running, and is reported.
function call<V>(handlers: ((v: V) => void)[], value: V): void {
  if (!handlers.length) console.warn("visage: FaceAuth has no handler for this outcome", value);
  for (const fn of handlers) {
    try {
      fn(value);
    } catch (err) {
      console.error("visage: a FaceAuth handler threw", err);
    }
  }
}
