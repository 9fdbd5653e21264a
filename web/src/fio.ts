// faceIO: the fio.js-compatible API (enroll, authenticate, restartSession,
// fetchAllErrorCodes) over a Run (flow.ts). A page written for FACEIO's
// fio.js works against Visage by loading our fio.js instead: same class,
// same method names and aliases, same parameters, and promises that reject
// with the same numeric codes.
//
// makeFaceIO takes the default server address, because each entry knows it
// differently (the script tag's src, or import.meta.url).
import type { Operation } from "./api";
import { FlowError, fioErrCode } from "./errors";
import { Run } from "./flow";

export interface FaceIOOptions {
  // The Visage server, e.g. "https://visage.example.com". Defaults to the
  // origin this script was loaded from.
  host?: string;
}

// The parameters of enroll and authenticate, with fio.js's names, units and
// defaults. authenticate ignores the enroll-only ones.
export interface Params {
  payload?: unknown; // enroll: stored with the face, returned by authenticate
  permissionTimeout?: number; // seconds to wait for camera permission (27)
  termsTimeout?: number; // MINUTES to wait for consent (10)
  idleTimeout?: number; // seconds without a face before NO_FACES_DETECTED (27)
  replyTimeout?: number; // seconds to wait for each server reply (40)
  enrollIntroTimeout?: number; // seconds before the intro goes on by itself (12)
  locale?: string; // "auto" (the browser's languages) or a BCP 47 code
  userConsent?: boolean; // true: the page already has consent, skip the screen
  // enroll: closing the modal (the × or Escape) rejects with ABORTED_BY_USER
  // on every screen, instead of the code of the screen it was closed on.
  // (Visage's × is on every screen whatever this says.)
  showAbortBtn?: boolean;
}

export interface EnrollResult {
  facialId: string;
  timestamp: string;
  details: { gender: string; age: number };
}

export interface AuthenticateResult {
  payload: unknown;
  facialId: string;
}

// The largest payload the server stores, as serialized JSON.
const PAYLOAD_MAX_BYTES = 16384;

export function makeFaceIO(defaultHost: string) {
  return class faceIO {
    private readonly publicId: string;
    private readonly host: string;
    private current: Run<unknown> | null = null;

    constructor(publicId: string, options?: FaceIOOptions) {
      if (typeof publicId !== "string" || !publicId) console.error("visage: new faceIO(publicId): the app's public ID is required");
      this.publicId = String(publicId || "");
      this.host = trimHost((options && options.host) || defaultHost);
    }

    enroll(params?: Params): Promise<EnrollResult> {
      return this.start<EnrollResult>("enroll", params);
    }
    // fio.js's aliases of enroll.
    enrol(params?: Params): Promise<EnrollResult> {
      return this.enroll(params);
    }
    register(params?: Params): Promise<EnrollResult> {
      return this.enroll(params);
    }
    record(params?: Params): Promise<EnrollResult> {
      return this.enroll(params);
    }

    authenticate(params?: Params): Promise<AuthenticateResult> {
      return this.start<AuthenticateResult>("authenticate", params);
    }
    // fio.js's aliases of authenticate.
    auth(params?: Params): Promise<AuthenticateResult> {
      return this.authenticate(params);
    }
    recognize(params?: Params): Promise<AuthenticateResult> {
      return this.authenticate(params);
    }
    identify(params?: Params): Promise<AuthenticateResult> {
      return this.authenticate(params);
    }

    // restartSession ends whatever operation is running, so that a new one
    // can start at once: its modal closes, the server is told to drop the
    // session, and its promise rejects with SESSION_EXPIRED (the session
    // is over; the person refused nothing). It takes no parameters that
    // matter; fio.js's signature accepts an object, and so do we.
    restartSession(_params?: object): Promise<boolean> {
      const run = this.current;
      this.current = null;
      if (run) run.stop("SESSION_EXPIRED");
      return Promise.resolve(true);
    }

    // fetchAllErrorCodes gives a copy: a page that writes to it must not
    // change what the widget rejects with.
    fetchAllErrorCodes(): typeof fioErrCode {
      return { ...fioErrCode };
    }

    private start<T>(operation: Operation, params?: Params): Promise<T> {
      // One operation at a time: a second call is refused and the running
      // one goes on untouched.
      if (this.current) return Promise.reject(fioErrCode.SESSION_IN_PROGRESS);
      const p = params || {};
      if (operation === "enroll" && !payloadFits(p.payload)) return Promise.reject(fioErrCode.PROCESSING_ERR);

      const run = new Run<T>({
        host: this.host,
        publicId: this.publicId,
        operation,
        payload: operation === "enroll" ? p.payload : undefined,
        locale: p.locale,
        userConsent: p.userConsent === true,
        permissionTimeoutMs: seconds(p.permissionTimeout, 27) * 1000,
        termsTimeoutMs: seconds(p.termsTimeout, 10) * 60 * 1000,
        idleTimeoutSec: seconds(p.idleTimeout, 27),
        replyTimeoutMs: seconds(p.replyTimeout, 40) * 1000,
        introTimeoutMs: seconds(p.enrollIntroTimeout, 12) * 1000,
        // fio.js raises ABORTED_BY_USER from enroll only.
        abortButton: operation === "enroll" && p.showAbortBtn === true,
      });
      this.current = run as Run<unknown>;
      const done = () => {
        if (this.current === (run as Run<unknown>)) this.current = null;
      };
      return run.result.then(
        (value) => {
          done();
          return value;
        },
        (err: unknown) => {
          done();
          // fio.js rejects with the bare number; the name and message go to
          // the console for the developer.
          const e = err instanceof FlowError ? err : new FlowError("PROCESSING_ERR", String(err));
          console.warn(`visage: ${operation} failed: ${e.code}: ${e.message}`);
          throw fioErrCode[e.code];
        },
      );
    }
  };
}

// payloadFits: the payload must serialize to JSON of at most 16 kB (UTF-8).
// It is checked before anything is shown, so the developer learns at once.
function payloadFits(payload: unknown): boolean {
  if (payload === undefined) return true;
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (err) {
    console.error("visage: enroll({payload}): the payload cannot be serialized as JSON:", err);
    return false;
  }
  if (json === undefined) {
    console.error("visage: enroll({payload}): the payload is not a JSON value");
    return false;
  }
  const size = new TextEncoder().encode(json).length;
  if (size > PAYLOAD_MAX_BYTES) {
    console.error(`visage: enroll({payload}): the payload is ${size} bytes as JSON; at most ${PAYLOAD_MAX_BYTES} are allowed`);
    return false;
  }
  return true;
}

// seconds reads a timeout parameter: a positive number, else the default.
function seconds(v: unknown, def: number): number {
  return typeof v === "number" && isFinite(v) && v > 0 ? v : def;
}

export function trimHost(host: string): string {
  return String(host || "").replace(/\/+$/, "");
}
