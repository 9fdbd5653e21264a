// The console's calls: its own session endpoints (/console/api/session)
// and the admin API (/admin/…), with the session's cookie, which the
// browser sends by itself, and its CSRF token on every change.

export interface Settings {
  level: number;
  prevent_duplicates: boolean;
  require_pin: boolean;
  unique_pin: boolean;
  min_age: number;
  require_liveness: boolean;
  learn_templates: boolean;
  allowed_origins?: string[];
  reject_empty_origin: boolean;
  allowed_countries?: string[];
  auther_signing_key?: string;
  auther_require_signature: boolean;
  retention_days?: number;
}

export interface App {
  id: string;
  name: string;
  plan: string;
  public_id: string;
  settings: Settings;
  created_at: string;
  key?: { id: string; secret: string };
}

export interface Plan {
  name: string;
  per_minute: number;
  per_month: number;
}

export interface Key {
  id: string;
  prefix: string;
  created_at: string;
  revoked_at?: string;
  last_used_at?: string;
  secret?: string;
}

// A face as the admin API shows it: the fields after payload_bytes come
// with one face's details only, and fields the server adds later
// (last_used_at) are shown when present.
export interface Face {
  facial_id: string;
  external_id: string;
  number: number;
  created_at: string;
  updated_at: string;
  last_used_at?: string | null;
  has_pin: boolean;
  payload_bytes: number;
  needs_reenrollment: boolean;
  models?: string[];
  current_model?: string;
  enrolled_templates?: number;
  learned_templates?: number;
}

export interface FacePage {
  faces: Face[];
  next?: string;
}

// A day's counts, by name: whatever counts the server sends. Its faces
// (the gallery's size that day) is null when it was not recorded.
export type UsageDay = { day: string } & Record<string, number | string | null>;

// An endpoint's calls over the period: succeeded, refused, and the
// refusals by error code.
export interface EndpointUsage {
  endpoint: string;
  calls: number;
  succeeded: number;
  refused: number;
  refusals: Record<string, number>;
}

export interface Usage {
  from: string;
  to: string;
  faces: number;
  days: UsageDay[];
  totals: Record<string, number>;
  // Added with the counts by endpoint: absent from an older server.
  endpoints?: EndpointUsage[];
  refusals?: Record<string, number>;
}

// An entry of the audit log (docs/audit.md).
export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  actor_id?: string;
  address?: string;
  action: string;
  app_id?: string;
  target?: string;
  detail?: Record<string, unknown>;
  hash: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  next?: number;
}

export interface AuditFilter {
  app: string;
  action: string;
  actor: string;
  from: string; // YYYY-MM-DD, UTC, included; "" for none
  to: string; // YYYY-MM-DD, UTC, excluded
}

// A webhook of an app (docs/webhooks.md): its secret only in the answer
// that made it.
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
  last_event_seq: number;
  failed_attempts?: number;
  next_attempt_at?: string;
  secret?: string;
}

// One attempt of the delivery log.
export interface Delivery {
  id: number;
  event_id: string;
  event_type: string;
  attempt?: number;
  manual?: boolean;
  at: string;
  duration_ms: number;
  status?: number;
  error?: string;
  outcome: string;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  next?: number;
}

export interface WebhookChange {
  url?: string;
  events?: string[];
  enabled?: boolean;
}

export interface Session {
  csrf_token: string;
  expires_at: string;
  idle_timeout_seconds: number;
}

export class ApiError extends Error {
  status: number;
  code: string;
  retryAfter: number;
  constructor(status: number, code: string, message: string, retryAfter: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

let csrf = "";
let onSignedOut: (e: ApiError) => void = () => {};

// whenSignedOut is called when a call finds the session gone (401).
export function whenSignedOut(f: (e: ApiError) => void): void {
  onSignedOut = f;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  let data: any = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const e = new ApiError(res.status, err.code || "HTTP_" + res.status, err.message || res.statusText, Number(res.headers.get("Retry-After")) || 0);
    if (res.status === 401 && !path.startsWith("/console/api/session")) onSignedOut(e);
    throw e;
  }
  return data as T;
}

// session asks whether this browser is signed in; null when it is not.
export async function session(): Promise<Session | null> {
  try {
    const s = await call<Session>("GET", "/console/api/session");
    csrf = s.csrf_token;
    return s;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export async function signIn(token: string): Promise<Session> {
  const s = await call<Session>("POST", "/console/api/session", { token });
  csrf = s.csrf_token;
  return s;
}

export async function signOut(): Promise<void> {
  try {
    await call("DELETE", "/console/api/session");
  } finally {
    csrf = "";
  }
}

const enc = encodeURIComponent;

export const api = {
  apps: () => call<{ apps: App[] }>("GET", "/admin/apps").then((r) => r.apps),
  app: (id: string) => call<App>("GET", `/admin/apps/${enc(id)}`),
  plans: () => call<{ plans: Plan[] }>("GET", "/admin/plans").then((r) => r.plans),
  createApp: (name: string, plan: string) => call<App>("POST", "/admin/apps", { name, plan }),
  editApp: (id: string, name: string, plan: string) => call<App>("PATCH", `/admin/apps/${enc(id)}`, { name, plan }),
  deleteApp: (id: string) => call("DELETE", `/admin/apps/${enc(id)}`),
  setSettings: (id: string, s: Settings) => call<App>("PUT", `/admin/apps/${enc(id)}/settings`, s),
  keys: (id: string) => call<{ keys: Key[] }>("GET", `/admin/apps/${enc(id)}/keys`).then((r) => r.keys),
  createKey: (id: string) => call<Key>("POST", `/admin/apps/${enc(id)}/keys`),
  revokeKey: (id: string, key: string) => call("DELETE", `/admin/apps/${enc(id)}/keys/${enc(key)}`),
  faces: (id: string, q: string, after: string, limit: number) =>
    call<FacePage>("GET", `/admin/apps/${enc(id)}/faces?q=${enc(q)}&after=${enc(after)}&limit=${limit}`),
  face: (id: string, face: string) => call<Face>("GET", `/admin/apps/${enc(id)}/faces/${enc(face)}`),
  deleteFace: (id: string, face: string) => call("DELETE", `/admin/apps/${enc(id)}/faces/${enc(face)}`),
  usage: (id: string, from: string, to: string) => call<Usage>("GET", `/admin/apps/${enc(id)}/usage?from=${from}&to=${to}`),
  audit: (f: AuditFilter, after: number, limit: number) =>
    call<AuditPage>(
      "GET",
      `/admin/audit?app=${enc(f.app)}&action=${enc(f.action)}&actor=${enc(f.actor)}&from=${enc(f.from)}&to=${enc(f.to)}&after=${after}&limit=${limit}`,
    ),
  webhooks: (id: string) => call<{ webhooks: Webhook[] }>("GET", `/admin/apps/${enc(id)}/webhooks`).then((r) => r.webhooks),
  createWebhook: (id: string, url: string, events: string[], enabled: boolean) =>
    call<Webhook>("POST", `/admin/apps/${enc(id)}/webhooks`, { url, events, enabled }),
  editWebhook: (id: string, hook: string, c: WebhookChange) => call<Webhook>("PATCH", `/admin/apps/${enc(id)}/webhooks/${enc(hook)}`, c),
  deleteWebhook: (id: string, hook: string) => call("DELETE", `/admin/apps/${enc(id)}/webhooks/${enc(hook)}`),
  deliveries: (id: string, hook: string, before: number, limit: number) =>
    call<DeliveryPage>("GET", `/admin/apps/${enc(id)}/webhooks/${enc(hook)}/deliveries?limit=${limit}${before ? "&before=" + before : ""}`),
  redeliver: (id: string, hook: string, event: string) =>
    call<{ delivered: boolean; delivery: Delivery }>("POST", `/admin/apps/${enc(id)}/webhooks/${enc(hook)}/deliveries/${enc(event)}/redeliver`),
};
