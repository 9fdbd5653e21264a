// The HTTP protocol between the widget and the Visage server
// (HOST/widget/v1/sessions...). Every request is a CORS request without
// cookies: the widget runs on someone else's page, and the session id plus
// its one-time nonce are the only credentials it carries.
import { errName, FlowError, type FioErrName } from "./errors";
import type { Guidance } from "./i18n";

export type Operation = "enroll" | "authenticate" | "verify";

export interface OpenRequest {
  public_id: string;
  operation: Operation;
  user_id?: string;
  idle_timeout: number;
  locale: string;
}

export interface Session {
  session: string;
  nonce: string;
  expires_in: number;
  pin: "none" | "choose";
  frame_interval_ms: number;
}

export interface FaceBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface FrameReply {
  // The nonce for the next request: each one is good for a single use.
  nonce: string;
  guidance: Guidance;
  progress: number;
  face: FaceBox | null;
  done: boolean;
  pin: "none" | "choose" | "confirm";
  // While head movements are asked: which one (from 1) of how many.
  step?: number;
  steps?: number;
}

export interface CompleteRequest {
  nonce: string;
  pin?: string;
  payload?: unknown;
}

// The reason the flow stopped waiting: the person closed the modal, or
// restartSession was called. Never shown: whoever stopped decides the
// outcome.
export class Aborted extends Error {
  constructor() {
    super("aborted");
    this.name = "Aborted";
  }
}

// Client holds one session's protocol state: its id and the latest nonce.
// Every answer (errors too, when the session goes on) carries the nonce
// for the next request, and the client always sends the newest it has.
//
// A request that is under way when the operation is stopped is not cut
// off: its answer brings the nonce that the DELETE then needs. Only the
// flow stops waiting for it.
export class Client {
  private readonly base: string;
  private session: string | null = null;
  private nonce = "";
  private inflight: Promise<unknown> = Promise.resolve();

  // host has no trailing slash; replyTimeoutMs bounds each request.
  constructor(host: string, private readonly replyTimeoutMs: number) {
    this.base = host + "/widget/v1/sessions";
  }

  async open(req: OpenRequest): Promise<Session> {
    const s = await this.send<Session>("POST", this.base, {
      body: JSON.stringify(req),
      headers: { "Content-Type": "application/json" },
    });
    if (!s || typeof s.session !== "string" || typeof s.nonce !== "string") {
      throw new FlowError("PROCESSING_ERR", "the server's session reply lacks session or nonce");
    }
    this.session = s.session;
    return s;
  }

  async frame(jpeg: Blob): Promise<FrameReply> {
    const r = await this.send<FrameReply>("POST", this.url("/frames"), {
      body: jpeg,
      headers: { "Content-Type": "image/jpeg", "X-Visage-Nonce": this.nonce },
    });
    if (!r || typeof r.nonce !== "string") {
      throw new FlowError("PROCESSING_ERR", "the server's frame reply lacks a nonce");
    }
    return r;
  }

  async complete<T>(req: { pin?: string; payload?: unknown }): Promise<T> {
    const body: CompleteRequest = { nonce: this.nonce, ...req };
    const result = await this.send<T>("POST", this.url("/complete"), {
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" },
    });
    this.session = null; // done: nothing left to abandon
    return result;
  }

  // abandon tells the server to drop the session, once the request under
  // way (if any) has answered with the nonce to send. Best effort: nobody
  // waits for it, and its failures are ignored.
  abandon(): void {
    const session = this.session;
    this.session = null;
    if (!session) {
      // The session may still be opening: drop it as soon as it exists.
      this.inflight.then(() => {
        if (this.session) this.abandon();
      });
      return;
    }
    this.inflight.then(() => {
      try {
        fetch(this.base + "/" + encodeURIComponent(session), {
          method: "DELETE",
          headers: { "X-Visage-Nonce": this.nonce },
          mode: "cors",
          credentials: "omit",
        }).catch(() => {});
      } catch {
        // fetch itself throwing: nothing more to do.
      }
    });
  }

  private url(tail: string): string {
    return this.base + "/" + encodeURIComponent(this.session || "") + tail;
  }

  private send<T>(method: string, url: string, init: { body: BodyInit; headers: Record<string, string> }): Promise<T> {
    const p = this.request<T>(method, url, init);
    this.inflight = p.catch(() => {});
    return p;
  }

  // request makes one request and returns its JSON body, or throws a
  // FlowError: TIMEOUT after replyTimeoutMs, NETWORK_IO when fetch itself
  // fails, the server's own code for a non-2xx answer. It keeps the nonce
  // of any answer that has one.
  private async request<T>(method: string, url: string, init: { body: BodyInit; headers: Record<string, string> }): Promise<T> {
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, this.replyTimeoutMs);
    try {
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, { method, body: init.body, headers: init.headers, mode: "cors", credentials: "omit", signal: ctrl.signal });
        text = await res.text();
      } catch (err) {
        if (timedOut) throw new FlowError("TIMEOUT", "the server did not answer in time");
        // fetch rejects with a TypeError for DNS, refused connections, CORS
        // refusals and dropped connections alike: the browser won't say which.
        throw new FlowError("NETWORK_IO", err instanceof Error ? err.message : String(err));
      }
      const body = parseJSON(text);
      if (!res.ok) {
        const e = serverError(res.status, body);
        if (e.nonce) this.nonce = e.nonce;
        throw e;
      }
      if (body === undefined) throw new FlowError("PROCESSING_ERR", `the server answered ${res.status} without JSON`);
      const next = (body as { nonce?: unknown }).nonce;
      if (typeof next === "string") this.nonce = next;
      return body as T;
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseJSON(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// serverError reads {"error": {code, message, nonce?, tries_left?}}. A body
// without any code (a proxy's HTML page, say) gets one from its status.
function serverError(status: number, body: unknown): FlowError {
  const e = body && typeof body === "object" ? (body as { error?: unknown }).error : undefined;
  const err = (e && typeof e === "object" ? e : {}) as { code?: unknown; message?: unknown; nonce?: unknown; tries_left?: unknown };
  let code: FioErrName;
  const known = errName(err.code);
  if (known) {
    code = known;
  } else if (err.code !== undefined) {
    // A name this widget doesn't know (a newer server): a processing error.
    console.error(`visage: the server answered an unknown error code ${String(err.code)}`);
    code = "PROCESSING_ERR";
  } else {
    code = codeForStatus(status);
  }
  return new FlowError(code, typeof err.message === "string" ? err.message : `HTTP ${status}`, {
    nonce: typeof err.nonce === "string" ? err.nonce : undefined,
    triesLeft: typeof err.tries_left === "number" ? err.tries_left : undefined,
    fromServer: true,
  });
}

function codeForStatus(status: number): FioErrName {
  if (status === 401 || status === 403) return "UNAUTHORIZED";
  if (status === 408 || status === 504) return "TIMEOUT";
  if (status === 410) return "SESSION_EXPIRED";
  if (status === 429) return "TOO_MANY_REQUESTS";
  return "PROCESSING_ERR";
}
