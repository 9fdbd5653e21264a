// One widget operation from start to end: open a session, ask consent (on
// enroll), get the camera, stream frames until the server is satisfied, ask
// for the PIN, complete, and show how it went. faceIO (fio.ts) and FaceAuth
// (faceauth.ts) are thin wrappers around a Run.
//
// How a run can end:
//   - success: the success screen, then result resolves with the server's
//     complete reply;
//   - failure (a server error, a timeout, the network): the failure screen
//     explaining the code, then result rejects with a FlowError of that
//     code, on Close or after FAILURE_MS. The DELETE is sent unless the
//     server itself reported the error (it has ended the session then);
//   - stopped, by the person (close button, Escape, Decline) or by
//     restartSession: the modal goes at once, the DELETE is sent, and result
//     rejects with the stop's code and no failure screen. What closing means
//     depends on the screen: TERMS_NOT_ACCEPTED on the consent screen (it is
//     a refusal), PERMISSION_REFUSED while waiting for the camera (the same
//     as ignoring the prompt), SESSION_EXPIRED anywhere else; restartSession
//     is SESSION_EXPIRED too (the session is over, and nobody refused
//     anything). With abortButton (fio.js's enroll({showAbortBtn: true})),
//     closing is ABORTED_BY_USER on every screen instead: the page asked to
//     be told that the person gave up. Decline stays TERMS_NOT_ACCEPTED.
// Whatever the ending, the camera is stopped.
import { Aborted, Client, type FrameReply, type Operation } from "./api";
import { openCamera, startVideo, stopStream, Frames } from "./camera";
import { asFlowError, errName, FlowError, type FioErrName } from "./errors";
import { resolveLang, strings, type Lang, type Strings } from "./i18n";
import { pinScreen } from "./pinpad";
import {
  cameraScreen,
  consentScreen,
  failureScreen,
  introScreen,
  processingScreen,
  scanScreen,
  successScreen,
  type ScanView,
} from "./screens";
import { Modal } from "./ui";

const SUCCESS_MS = 1500;
const FAILURE_MS = 5000; // long enough to read the explanation
// Used when the server doesn't say how often it wants frames.
const DEFAULT_FRAME_INTERVAL_MS = 200;
// How much longer than idleTimeout the client waits before its own
// NO_FACES_DETECTED (see scan).
const IDLE_GRACE_MS = 3000;

export interface RunOptions {
  host: string; // no trailing slash
  publicId: string;
  operation: Operation;
  userId?: string; // verify only
  payload?: unknown; // enroll only; undefined sends none
  locale?: string;
  userConsent: boolean;
  permissionTimeoutMs: number;
  termsTimeoutMs: number;
  idleTimeoutSec: number;
  replyTimeoutMs: number;
  introTimeoutMs: number;
  // Closing the modal rejects with ABORTED_BY_USER (see the top).
  abortButton?: boolean;
}

export class Run<T> {
  readonly result: Promise<T>;
  readonly lang: Lang;
  readonly t: Strings;

  private readonly ctrl = new AbortController();
  private readonly modal: Modal;
  private readonly api: Client;
  private stream: MediaStream | null = null;
  // Set once the outcome is known (complete answered, or a failure is on
  // screen): stopping then only cuts the last screen short.
  private settled = false;
  private stopCode: FioErrName | null = null;
  private endLinger: (() => void) | null = null;

  constructor(private readonly o: RunOptions) {
    this.lang = resolveLang(o.locale);
    this.t = strings(this.lang);
    this.modal = new Modal(this.t, this.lang, o.operation === "enroll" ? this.t.titleEnroll : this.t.titleAuth);
    this.modal.onDismiss = () => this.stop(o.abortButton ? "ABORTED_BY_USER" : closeCode(this.modal.screen));
    this.api = new Client(o.host, o.replyTimeoutMs);
    this.result = this.run();
  }

  // stop ends the run now (see the top of this file).
  stop(code: FioErrName): void {
    if (this.settled) {
      if (this.endLinger) this.endLinger();
      return;
    }
    if (this.stopCode) return;
    this.stopCode = code;
    this.ctrl.abort();
    this.abandon();
    this.modal.close();
  }

  private async run(): Promise<T> {
    let result: T;
    try {
      result = await this.steps();
    } catch (err) {
      throw await this.fail(err);
    }
    this.settled = true;
    await this.linger(this.success(result));
    this.modal.close();
    return result;
  }

  private async steps(): Promise<T> {
    const { o, t, modal } = this;
    modal.open();
    processingScreen(modal, t.connecting);

    // The session comes first: a forbidden origin or an unknown app fails
    // here, before anyone is asked for consent or for their camera.
    const s = await this.guard(
      this.api.open({
        public_id: o.publicId,
        operation: o.operation,
        user_id: o.operation === "verify" ? o.userId : undefined,
        idle_timeout: o.idleTimeoutSec,
        locale: this.lang,
      }),
    );

    if (o.operation === "enroll") {
      if (!o.userConsent) {
        const answer = await this.guard(consentScreen(modal, o.termsTimeoutMs));
        if (answer === "decline") {
          this.stop("TERMS_NOT_ACCEPTED");
          throw new Aborted();
        }
        if (answer === "timeout") throw new FlowError("TERMS_NOT_ACCEPTED", "no answer to the consent screen in time");
      }
      await this.guard(introScreen(modal, o.introTimeoutMs));
    }

    cameraScreen(modal);
    this.stream = await openCamera(o.permissionTimeoutMs, this.ctrl.signal);
    const view = scanScreen(modal);
    await startVideo(view.video, this.stream, o.permissionTimeoutMs, this.ctrl.signal);
    const last = await this.scan(view, s.frame_interval_ms);
    // The server has what it needs: the camera goes off before the PIN.
    this.stopCamera();
    return this.complete(last.pin || s.pin || "none");
  }

  // scan sends frames, one at a time and no closer together than the
  // server's interval, until the server says done. Each reply carries the
  // nonce for the next request.
  //
  // The server enforces idleTimeout (it was sent idle_timeout) and names
  // the reason: NO_FACES_DETECTED, MANY_FACES, or TIMEOUT for guidance not
  // followed. The client's own check is only a backstop for a server that
  // doesn't: NO_FACES_DETECTED when no face was seen for idleTimeout plus a
  // grace, so that the server's more precise verdict comes first.
  private async scan(view: ScanView, intervalMs: number): Promise<FrameReply> {
    const frames = new Frames(view.video);
    const interval = typeof intervalMs === "number" && intervalMs >= 0 ? intervalMs : DEFAULT_FRAME_INTERVAL_MS;
    const idleMs = this.o.idleTimeoutSec * 1000 + IDLE_GRACE_MS;
    let lastFace = Date.now();
    let lastSent = 0;
    for (;;) {
      const wait = lastSent + interval - Date.now();
      if (wait > 0) await this.guard(sleep(wait));
      const jpeg = await this.guard(frames.grab());
      lastSent = Date.now();
      const reply = await this.guard(this.api.frame(jpeg));
      view.update(reply);
      if (reply.done) return reply;
      if (reply.face || reply.guidance === "many_faces") lastFace = Date.now();
      else if (Date.now() - lastFace > idleMs) throw new FlowError("NO_FACES_DETECTED", `no face for over ${this.o.idleTimeoutSec} s`);
    }
  }

  // complete asks for the PIN the server wants, and sends it. A taken PIN
  // (enroll) or a wrong one with tries left (authenticate) is not the end:
  // the server's error carries the next nonce, and the person tries again.
  private async complete(pinMode: string): Promise<T> {
    const { o, t, modal } = this;
    let notice = "";
    for (;;) {
      let pin: string | undefined;
      if (pinMode === "choose") pin = await this.choosePin(notice);
      else if (pinMode === "confirm") pin = await this.guard(pinScreen(modal, { title: t.pinEnterTitle, text: t.pinEnterText, notice }));
      processingScreen(modal, t.processing);

      const req: { pin?: string; payload?: unknown } = {};
      if (pin !== undefined) req.pin = pin;
      if (o.operation === "enroll" && o.payload !== undefined) req.payload = o.payload;
      try {
        const result = await this.guard(this.api.complete<T>(req));
        checkVerify(o.operation, result);
        return result;
      } catch (err) {
        // (The client already keeps the nonce the error carries.)
        if (!(err instanceof FlowError) || !err.fromServer) throw err;
        if (pin !== undefined && pinMode === "choose" && err.code === "UNIQUE_PIN_REQUIRED") {
          notice = t.pinTaken;
        } else if (pin !== undefined && err.code === "WRONG_PIN_CODE" && (err.triesLeft || 0) > 0) {
          notice = t.pinWrong(err.triesLeft as number);
        } else {
          throw err;
        }
      }
    }
  }

  // choosePin asks for a new PIN twice; until both agree, it starts over.
  private async choosePin(notice: string): Promise<string> {
    const { t, modal } = this;
    for (;;) {
      const first = await this.guard(pinScreen(modal, { title: t.pinChooseTitle, text: t.pinChooseText, notice }));
      const again = await this.guard(pinScreen(modal, { title: t.pinConfirmTitle, text: t.pinConfirmText }));
      if (first === again) return first;
      notice = t.pinMismatch;
    }
  }

  private success(result: T): Promise<void> {
    const { o, t, modal } = this;
    if (o.operation === "enroll") return successScreen(modal, t.successEnrollTitle, t.successEnrollText, SUCCESS_MS);
    const user = result && typeof result === "object" ? (result as { user?: { name?: unknown } }).user : undefined;
    const name = user && typeof user.name === "string" && user.name ? user.name : "";
    return successScreen(modal, name ? t.successAuthName(name) : t.successAuthTitle, t.successAuthText, SUCCESS_MS);
  }

  // fail turns whatever ended the steps into the FlowError to reject with,
  // after showing it. A stop has already cleaned up and shows nothing.
  private async fail(err: unknown): Promise<FlowError> {
    if (this.stopCode) return new FlowError(this.stopCode, "stopped");
    const e = err instanceof Aborted ? new FlowError("SESSION_EXPIRED", "aborted") : asFlowError(err);
    this.settled = true;
    this.ctrl.abort(); // nothing should still run, but if it does, it stops
    // A server error has already ended the session on the server's side;
    // any other failure (a timeout, the camera, the network) leaves it to us.
    if (e.fromServer) this.stopCamera();
    else this.abandon();
    if (this.modal.isOpen) await this.linger(failureScreen(this.modal, e.code, FAILURE_MS));
    this.modal.close();
    return e;
  }

  // linger waits for the last screen to be done with, or for a stop.
  private linger(screenDone: Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      this.endLinger = resolve;
      screenDone.then(resolve);
    });
  }

  // abandon stops the camera and tells the server to drop the session
  // (best effort, once).
  private abandon(): void {
    this.stopCamera();
    this.api.abandon();
  }

  private stopCamera(): void {
    stopStream(this.stream);
    this.stream = null;
  }

  // guard makes a wait (a screen, a timer, a request) end when the run is
  // stopped; the camera prompt watches the signal itself.
  private guard<V>(p: Promise<V>): Promise<V> {
    const signal = this.ctrl.signal;
    if (signal.aborted) return Promise.reject(new Aborted());
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => reject(new Aborted());
      signal.addEventListener("abort", onAbort, { once: true });
      p.then(
        (v) => {
          signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  }
}

function closeCode(screen: string | null): FioErrName {
  if (screen === "consent") return "TERMS_NOT_ACCEPTED";
  if (screen === "camera") return "PERMISSION_REFUSED";
  return "SESSION_EXPIRED";
}

// checkVerify: a verify the server answered 200 but with success or match
// false is not a sign-in. It ends as a failure (FACE_MISMATCH, or the
// server's status when that is an error name), so FaceAuth's onSuccess only
// ever sees real sign-ins.
function checkVerify(op: Operation, result: unknown): void {
  if (op !== "verify" || !result || typeof result !== "object") return;
  const r = result as { success?: unknown; match?: unknown; status?: unknown; message?: unknown };
  if (r.success === false || r.match === false) {
    const code = errName(r.status) || "FACE_MISMATCH";
    throw new FlowError(code, typeof r.message === "string" ? r.message : "no match", { fromServer: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
