// Every sentence of the operator console, in the widget's four languages.
// English is the reference: the other tables are typed against it, so a
// missing string is a compile error rather than a blank on screen. The
// language is chosen as the widget chooses it (../i18n.ts): the operator's
// pick, else the browser's preferences, else English.
import type { Lang } from "../i18n";

export type { Lang };

// The settings of an app (visage.AppSettings), each with a label and a
// one-line explanation.
export type SettingKey =
  | "level"
  | "require_liveness"
  | "prevent_duplicates"
  | "require_pin"
  | "unique_pin"
  | "min_age"
  | "retention_days"
  | "learn_templates"
  | "allowed_origins"
  | "reject_empty_origin"
  | "allowed_countries"
  | "auther_signing_key"
  | "auther_require_signature";

export interface Setting {
  label: string;
  help: string;
}

// The fields of a face's metadata (faces.ts lists them in order).
export type FaceField =
  | "facial_id"
  | "external_id"
  | "number"
  | "created_at"
  | "updated_at"
  | "last_used_at"
  | "models"
  | "current_model"
  | "needs_reenrollment"
  | "has_pin"
  | "payload_bytes"
  | "enrolled_templates"
  | "learned_templates";

// The daily counts of an app's usage (usage.ts charts them).
export type UsageKey = "calls" | "succeeded" | "refused" | "pad_attacks" | "widget_sessions" | "widget_frames";

// The kinds of caller the audit log names (service.Caller).
export type ActorKind = "admin" | "console" | "key" | "public" | "system";
export const actorKinds: ActorKind[] = ["admin", "console", "key", "public", "system"];

// The audit log's actions (docs/audit.md). An action not listed here is
// shown by its code.
export type AuditAction =
  | "app.create"
  | "app.edit"
  | "app.settings"
  | "app.plan"
  | "app.delete"
  | "account.register"
  | "key.create"
  | "key.revoke"
  | "admin_token.create"
  | "face.enroll"
  | "face.reenroll"
  | "face.delete"
  | "face.payload"
  | "face.pin"
  | "face.learn"
  | "subject.export"
  | "subject.erase"
  | "webhook.create"
  | "webhook.update"
  | "webhook.delete"
  | "webhook.redeliver"
  | "audit.prune"
  | "console.sign_in"
  | "console.sign_in_refused"
  | "console.sign_out";
export const auditActions: AuditAction[] = [
  "app.create",
  "app.edit",
  "app.settings",
  "app.plan",
  "app.delete",
  "account.register",
  "key.create",
  "key.revoke",
  "admin_token.create",
  "face.enroll",
  "face.reenroll",
  "face.delete",
  "face.payload",
  "face.pin",
  "face.learn",
  "subject.export",
  "subject.erase",
  "webhook.create",
  "webhook.update",
  "webhook.delete",
  "webhook.redeliver",
  "audit.prune",
  "console.sign_in",
  "console.sign_in_refused",
  "console.sign_out",
];

// The events a webhook can take (service.EventTypes, docs/webhooks.md).
export type EventType =
  | "face.enrolled"
  | "face.deleted"
  | "face.payload_updated"
  | "authentication.succeeded"
  | "authentication.failed"
  | "liveness.attack"
  | "app.settings_changed";
export const eventTypes: EventType[] = [
  "face.enrolled",
  "face.deleted",
  "face.payload_updated",
  "authentication.succeeded",
  "authentication.failed",
  "liveness.attack",
  "app.settings_changed",
];

// What came of a delivery attempt (store.Outcome…).
export type Outcome = "delivered" | "retrying" | "given_up" | "failed";

export interface Strings {
  langName: string;
  brand: string;
  nav: { apps: string; keys: string; faces: string; usage: string; webhooks: string; audit: string };
  navLabel: string;
  skip: string;
  language: string;
  signOut: string;
  loading: string;
  save: string;
  saved: string;
  cancel: string;
  del: string;
  copy: string;
  copied: string;
  copyHint: string;
  yes: string;
  no: string;
  none: string;
  app: string;
  noApps: string;
  error: (message: string) => string;
  signIn: {
    title: string;
    text: string;
    token: string;
    submit: string;
    wrong: string;
    throttled: (seconds: number) => string;
    ended: string;
  };
  apps: {
    title: string;
    create: string;
    name: string;
    plan: string;
    submit: string;
    created: string;
    colName: string;
    colPlan: string;
    colPublicID: string;
    colCreated: string;
    publicIDHelp: string;
    back: string;
    identity: string;
    rules: string;
    rulesHelp: string;
    renamed: string;
    dangerTitle: string;
    dangerText: string;
    confirmLabel: string;
    deleteApp: string;
    deleteConfirm: (name: string) => string;
    deleted: (name: string) => string;
  };
  settings: Record<SettingKey, Setting>;
  level: (n: number, odds: string) => string;
  years: string;
  days: string;
  keys: {
    title: string;
    text: string;
    create: string;
    shownOnce: string;
    colKey: string;
    colCreated: string;
    colLastUsed: string;
    colStatus: string;
    active: string;
    revoked: (when: string) => string;
    never: string;
    revoke: string;
    revokeConfirm: string;
    revokedDone: string;
    none: string;
  };
  faces: {
    title: string;
    privacy: string;
    search: string;
    searchButton: string;
    showAll: string;
    colExternal: string;
    colFacial: string;
    colEnrolled: string;
    colState: string;
    details: string;
    empty: string;
    noMatch: (q: string) => string;
    next: string;
    prev: string;
    page: (n: number) => string;
    detailTitle: string;
    fields: Record<FaceField, string>;
    bytes: (n: number) => string;
    reenroll: string;
    ok: string;
    deleteFace: string;
    deleteConfirm: string;
    deleted: string;
  };
  usage: {
    title: string;
    period: string;
    lastDays: (n: number) => string;
    counts: Record<UsageKey, string>;
    faces: string;
    charts: { calls: string; endpoints: string; refusals: string; pad: string; sessions: string; frames: string; gallery: string };
    day: string;
    endpoint: string;
    code: string;
    table: string;
    nothing: string;
    notRecorded: string;
    notRecordedYet: string;
    chartSummary: (title: string, total: string, from: string, to: string) => string;
    barsSummary: (title: string, total: string, rows: number) => string;
    lineSummary: (title: string, last: string, from: string, to: string) => string;
  };
  audit: {
    title: string;
    text: string;
    filters: string;
    allApps: string;
    action: string;
    allActions: string;
    actor: string;
    allActors: string;
    from: string;
    to: string;
    daysHelp: string;
    apply: string;
    reset: string;
    colTime: string;
    colActor: string;
    colAddress: string;
    colAction: string;
    colApp: string;
    colTarget: string;
    colDetail: string;
    empty: string;
    prev: string;
    next: string;
    actors: Record<ActorKind, string>;
    actions: Record<AuditAction, string>;
    changed: string;
  };
  webhooks: {
    title: string;
    text: string;
    create: string;
    url: string;
    urlHelp: string;
    events: string;
    eventsHelp: string;
    enabled: string;
    enabledHelp: string;
    submit: string;
    secret: string;
    colURL: string;
    colEvents: string;
    colState: string;
    colCreated: string;
    allEvents: string;
    on: string;
    off: string;
    failing: (n: number, when: string) => string;
    enable: string;
    disable: string;
    enabledDone: string;
    disabledDone: string;
    edit: string;
    editTitle: string;
    saved: string;
    deleteHook: string;
    deleteConfirm: string;
    deleted: string;
    none: string;
    deliveries: string;
    deliveriesTitle: (url: string) => string;
    colTime: string;
    colEvent: string;
    colAttempt: string;
    colResult: string;
    colOutcome: string;
    manual: string;
    status: (n: number) => string;
    ms: (n: number) => string;
    outcomes: Record<Outcome, string>;
    redeliver: string;
    redelivered: string;
    redeliverFailed: string;
    noDeliveries: string;
    newer: string;
    older: string;
    close: string;
    eventNames: Record<EventType, string>;
  };
  confirm: string;
}

const en: Strings = {
  langName: "English",
  brand: "Visage console",
  nav: { apps: "Apps", keys: "Keys", faces: "Faces", usage: "Usage", webhooks: "Webhooks", audit: "Audit log" },
  navLabel: "Console sections",
  skip: "Skip to the content",
  language: "Language",
  signOut: "Sign out",
  loading: "Loading…",
  save: "Save",
  saved: "Saved.",
  cancel: "Cancel",
  del: "Delete",
  copy: "Copy",
  copied: "Copied to the clipboard.",
  copyHint: "Select the key and copy it.",
  yes: "Yes",
  no: "No",
  none: "—",
  app: "Application",
  noApps: "No applications yet: create one on the Apps page.",
  error: (m) => `Error: ${m}`,
  signIn: {
    title: "Sign in",
    text: "Paste an admin token of this server. The first start of visage serve printed one; visage admin token makes another.",
    token: "Admin token",
    submit: "Sign in",
    wrong: "This is not an admin token of this server.",
    throttled: (s) => `Too many attempts from this address. Try again in ${s} s.`,
    ended: "Your session has ended. Sign in again.",
  },
  apps: {
    title: "Applications",
    create: "Create an application",
    name: "Name",
    plan: "Plan",
    submit: "Create",
    created: "Application created. Its first private key is below: copy it now, it is not shown again.",
    colName: "Name",
    colPlan: "Plan",
    colPublicID: "Public ID",
    colCreated: "Created",
    publicIDHelp: "The public ID is safe in a web page: the widget opens its sessions with it.",
    back: "All applications",
    identity: "Name and plan",
    rules: "Rules",
    rulesHelp: "What the server enforces for this application's faces and pages.",
    renamed: "Name and plan saved.",
    dangerTitle: "Delete this application",
    dangerText: "Deletes the application with all its faces, keys and usage, at once. This cannot be undone. Type its name to confirm.",
    confirmLabel: "The application's name",
    deleteApp: "Delete the application",
    deleteConfirm: (n) => `Delete “${n}” and everything of it, for good?`,
    deleted: (n) => `Application “${n}” deleted.`,
  },
  settings: {
    level: { label: "Accuracy level", help: "How sure a match must be: level N accepts about one stranger in 10^N." },
    require_liveness: { label: "Require liveness", help: "Refuse photos the anti-spoofing model judges not live (a print, a screen)." },
    prevent_duplicates: { label: "Prevent duplicates", help: "Refuse to enroll a person who already matches a face of this application." },
    require_pin: { label: "Require a PIN", help: "Every enrollment must come with a PIN, asked again at each login." },
    unique_pin: { label: "Unique PINs", help: "Refuse a PIN that another face of this application already has." },
    min_age: { label: "Minimum age", help: "Refuse faces estimated younger than this plus a safety margin; 0 turns it off." },
    retention_days: { label: "Retention", help: "Delete faces that have not authenticated for this many days (from enrollment if never); 0 keeps them." },
    learn_templates: { label: "Learn from logins", help: "Sure, live logins add their template to the face, so it follows the person as they change." },
    allowed_origins: { label: "Allowed origins", help: "Only pages of these origins may open widget sessions, one per line (https://shop.example); empty allows any." },
    reject_empty_origin: { label: "Refuse requests without an origin", help: "Refuse widget sessions whose request names no web origin at all." },
    allowed_countries: { label: "Allowed countries", help: "ISO codes (FR, DE…) from which widget sessions may open, as the trusted proxy reports; empty allows any." },
    auther_signing_key: { label: "Auther signing key", help: "PEM of the RSA public key (2048 bits or more) your backend signs Auther requests with." },
    auther_require_signature: { label: "Require Auther signatures", help: "Refuse Auther requests that are not signed with the key above." },
  },
  level: (n, odds) => `${n} — one in ${odds}`,
  years: "years",
  days: "days",
  keys: {
    title: "Keys",
    text: "Private keys let the application's backend call the API. Keep them secret: never in a web page.",
    create: "Create a key",
    shownOnce: "New key: copy it now, it is not shown again.",
    colKey: "Key",
    colCreated: "Created",
    colLastUsed: "Last used",
    colStatus: "Status",
    active: "Active",
    revoked: (w) => `Revoked ${w}`,
    never: "never",
    revoke: "Revoke",
    revokeConfirm: "Revoke this key? Requests made with it are refused at once.",
    revokedDone: "Key revoked.",
    none: "This application has no keys.",
  },
  faces: {
    title: "Faces",
    privacy: "Templates, payloads and photos are never shown here: only what a face is made of.",
    search: "External ID or facial ID",
    searchButton: "Search",
    showAll: "Show all",
    colExternal: "External ID",
    colFacial: "Facial ID",
    colEnrolled: "Enrolled",
    colState: "State",
    details: "Details",
    empty: "No faces enrolled.",
    noMatch: (q) => `No face has the ID “${q}”.`,
    next: "Next page",
    prev: "Previous page",
    page: (n) => `Page ${n}`,
    detailTitle: "Face",
    fields: {
      facial_id: "Facial ID",
      external_id: "External ID",
      number: "Number",
      created_at: "Enrolled",
      updated_at: "Updated",
      last_used_at: "Last authenticated",
      models: "Recogniser",
      current_model: "Server's recogniser",
      needs_reenrollment: "Needs re-enrollment",
      has_pin: "Has a PIN",
      payload_bytes: "Payload size",
      enrolled_templates: "Enrolled templates",
      learned_templates: "Learned templates",
    },
    bytes: (n) => `${n} bytes`,
    reenroll: "Re-enroll",
    ok: "OK",
    deleteFace: "Delete this face",
    deleteConfirm: "Delete this face? Its templates, payload and PIN are erased at once.",
    deleted: "Face deleted.",
  },
  usage: {
    title: "Usage",
    period: "Period",
    lastDays: (n) => `Last ${n} days`,
    counts: {
      calls: "API calls",
      succeeded: "Succeeded",
      refused: "Refused",
      pad_attacks: "Presentation attacks",
      widget_sessions: "Widget sessions",
      widget_frames: "Frames analysed",
    },
    faces: "Faces enrolled",
    charts: {
      calls: "API calls per day",
      endpoints: "API calls per endpoint",
      refusals: "Refusals by error code",
      pad: "Presentation attacks refused per day",
      sessions: "Widget sessions per day",
      frames: "Frames analysed per day",
      gallery: "Faces enrolled over time",
    },
    day: "Day",
    endpoint: "Endpoint",
    code: "Error code",
    table: "Show the numbers",
    nothing: "Nothing in this period.",
    notRecorded: "not recorded",
    notRecordedYet: "Not recorded yet: the server records it every hour.",
    chartSummary: (t, n, f, to) => `${t}: ${n} in all from ${f} to ${to}`,
    barsSummary: (t, n, rows) => `${t}: ${n} in all, over ${rows} rows`,
    lineSummary: (t, last, f, to) => `${t} from ${f} to ${to}; last: ${last}`,
  },
  audit: {
    title: "Audit log",
    text: "Every change to this server's data, who made it and from where, and every console sign-in; oldest first. Never a secret, a template or a photo.",
    filters: "Filters",
    allApps: "All applications",
    action: "Action",
    allActions: "All actions",
    actor: "Made by",
    allActors: "Anyone",
    from: "From",
    to: "To",
    daysHelp: "Days are UTC; both are included.",
    apply: "Show",
    reset: "Clear the filters",
    colTime: "Time",
    colActor: "Made by",
    colAddress: "Address",
    colAction: "Action",
    colApp: "Application",
    colTarget: "Target",
    colDetail: "Detail",
    empty: "No entry matches.",
    prev: "Previous page",
    next: "Next page",
    actors: { admin: "Admin token", console: "Console", key: "App key", public: "Web page", system: "Server" },
    actions: {
      "app.create": "Application created",
      "app.edit": "Name or plan changed",
      "app.settings": "Rules changed",
      "app.plan": "Plan changed",
      "app.delete": "Application deleted",
      "account.register": "Account registered",
      "key.create": "Key created",
      "key.revoke": "Key revoked",
      "admin_token.create": "Admin token created",
      "face.enroll": "Face enrolled",
      "face.reenroll": "Face enrolled again",
      "face.delete": "Face deleted",
      "face.payload": "Payload changed",
      "face.pin": "PIN changed",
      "face.learn": "Template learned",
      "subject.export": "Person's data exported",
      "subject.erase": "Person erased",
      "webhook.create": "Webhook created",
      "webhook.update": "Webhook changed",
      "webhook.delete": "Webhook deleted",
      "webhook.redeliver": "Event sent again",
      "audit.prune": "Audit log pruned",
      "console.sign_in": "Console sign-in",
      "console.sign_in_refused": "Console sign-in refused",
      "console.sign_out": "Console sign-out",
    },
    changed: "changed",
  },
  webhooks: {
    title: "Webhooks",
    text: "Visage POSTs this application's events to these URLs as they happen, signed with each webhook's secret (Standard Webhooks).",
    create: "Add a webhook",
    url: "URL",
    urlHelp: "http:// or https://, without a user name or password.",
    events: "Events",
    eventsHelp: "None ticked: every event.",
    enabled: "Enabled",
    enabledHelp: "A disabled webhook receives nothing, and does not queue.",
    submit: "Add",
    secret: "Signing secret: copy it now, it is not shown again.",
    colURL: "URL",
    colEvents: "Events",
    colState: "State",
    colCreated: "Created",
    allEvents: "All events",
    on: "Enabled",
    off: "Disabled",
    failing: (n, w) => `${n} failed attempts; next ${w}`,
    enable: "Enable",
    disable: "Disable",
    enabledDone: "Webhook enabled.",
    disabledDone: "Webhook disabled.",
    edit: "Edit",
    editTitle: "Edit the webhook",
    saved: "Webhook saved.",
    deleteHook: "Delete",
    deleteConfirm: "Delete this webhook and its delivery log?",
    deleted: "Webhook deleted.",
    none: "This application has no webhooks.",
    deliveries: "Deliveries",
    deliveriesTitle: (u) => `Deliveries to ${u}`,
    colTime: "Time",
    colEvent: "Event",
    colAttempt: "Attempt",
    colResult: "Answer",
    colOutcome: "Outcome",
    manual: "sent again",
    status: (n) => `HTTP ${n}`,
    ms: (n) => `${n} ms`,
    outcomes: { delivered: "Delivered", retrying: "Will retry", given_up: "Given up", failed: "Failed" },
    redeliver: "Send again",
    redelivered: "Event sent again: the receiver took it.",
    redeliverFailed: "Event sent again: the receiver did not take it.",
    noDeliveries: "Nothing delivered yet.",
    newer: "Newer",
    older: "Older",
    close: "Close",
    eventNames: {
      "face.enrolled": "A face is enrolled",
      "face.deleted": "A face is deleted",
      "face.payload_updated": "A face's payload changes",
      "authentication.succeeded": "A login succeeds",
      "authentication.failed": "A login fails",
      "liveness.attack": "An attack is refused",
      "app.settings_changed": "The rules change",
    },
  },
  confirm: "Confirm",
};

const es: Strings = {
  langName: "Español",
  brand: "Consola de Visage",
  nav: { apps: "Aplicaciones", keys: "Claves", faces: "Rostros", usage: "Uso", webhooks: "Webhooks", audit: "Auditoría" },
  navLabel: "Secciones de la consola",
  skip: "Ir al contenido",
  language: "Idioma",
  signOut: "Cerrar sesión",
  loading: "Cargando…",
  save: "Guardar",
  saved: "Guardado.",
  cancel: "Cancelar",
  del: "Eliminar",
  copy: "Copiar",
  copied: "Copiado al portapapeles.",
  copyHint: "Selecciona la clave y cópiala.",
  yes: "Sí",
  no: "No",
  none: "—",
  app: "Aplicación",
  noApps: "Todavía no hay aplicaciones: crea una en la página Aplicaciones.",
  error: (m) => `Error: ${m}`,
  signIn: {
    title: "Iniciar sesión",
    text: "Pega un token de administración de este servidor. El primer arranque de visage serve imprimió uno; visage admin token crea otro.",
    token: "Token de administración",
    submit: "Iniciar sesión",
    wrong: "Este no es un token de administración de este servidor.",
    throttled: (s) => `Demasiados intentos desde esta dirección. Vuelve a intentarlo en ${s} s.`,
    ended: "Tu sesión ha terminado. Vuelve a iniciar sesión.",
  },
  apps: {
    title: "Aplicaciones",
    create: "Crear una aplicación",
    name: "Nombre",
    plan: "Plan",
    submit: "Crear",
    created: "Aplicación creada. Su primera clave privada está abajo: cópiala ahora, no se vuelve a mostrar.",
    colName: "Nombre",
    colPlan: "Plan",
    colPublicID: "ID público",
    colCreated: "Creada",
    publicIDHelp: "El ID público puede ir en una página web: el widget abre sus sesiones con él.",
    back: "Todas las aplicaciones",
    identity: "Nombre y plan",
    rules: "Reglas",
    rulesHelp: "Lo que el servidor exige a los rostros y páginas de esta aplicación.",
    renamed: "Nombre y plan guardados.",
    dangerTitle: "Eliminar esta aplicación",
    dangerText: "Elimina la aplicación con todos sus rostros, claves y uso, de inmediato. No se puede deshacer. Escribe su nombre para confirmar.",
    confirmLabel: "El nombre de la aplicación",
    deleteApp: "Eliminar la aplicación",
    deleteConfirm: (n) => `¿Eliminar «${n}» y todo lo suyo, para siempre?`,
    deleted: (n) => `Aplicación «${n}» eliminada.`,
  },
  settings: {
    level: { label: "Nivel de precisión", help: "Cuán segura debe ser una coincidencia: el nivel N acepta a un desconocido de cada 10^N." },
    require_liveness: { label: "Exigir prueba de vida", help: "Rechaza las fotos que el modelo antisuplantación no considera vivas (una impresión, una pantalla)." },
    prevent_duplicates: { label: "Evitar duplicados", help: "No registra a una persona que ya coincide con un rostro de esta aplicación." },
    require_pin: { label: "Exigir un PIN", help: "Cada registro debe llevar un PIN, que se vuelve a pedir en cada inicio de sesión." },
    unique_pin: { label: "PIN únicos", help: "Rechaza un PIN que ya tiene otro rostro de esta aplicación." },
    min_age: { label: "Edad mínima", help: "Rechaza rostros estimados menores que esta edad más un margen; 0 lo desactiva." },
    retention_days: { label: "Conservación", help: "Elimina los rostros que no se han autenticado en tantos días (desde el registro si nunca); 0 los conserva." },
    learn_templates: { label: "Aprender de los inicios de sesión", help: "Los inicios seguros y en vivo añaden su plantilla al rostro, que sigue así los cambios de la persona." },
    allowed_origins: { label: "Orígenes permitidos", help: "Solo las páginas de estos orígenes pueden abrir sesiones del widget, uno por línea; vacío permite cualquiera." },
    reject_empty_origin: { label: "Rechazar solicitudes sin origen", help: "Rechaza las sesiones del widget cuya solicitud no indica ningún origen web." },
    allowed_countries: { label: "Países permitidos", help: "Códigos ISO (ES, MX…) desde los que se pueden abrir sesiones, según el proxy de confianza; vacío permite cualquiera." },
    auther_signing_key: { label: "Clave de firma de Auther", help: "PEM de la clave pública RSA (2048 bits o más) con la que tu backend firma las solicitudes de Auther." },
    auther_require_signature: { label: "Exigir firmas de Auther", help: "Rechaza las solicitudes de Auther no firmadas con la clave anterior." },
  },
  level: (n, odds) => `${n} — uno de cada ${odds}`,
  years: "años",
  days: "días",
  keys: {
    title: "Claves",
    text: "Las claves privadas permiten al backend de la aplicación llamar a la API. Mantenlas en secreto: nunca en una página web.",
    create: "Crear una clave",
    shownOnce: "Clave nueva: cópiala ahora, no se vuelve a mostrar.",
    colKey: "Clave",
    colCreated: "Creada",
    colLastUsed: "Último uso",
    colStatus: "Estado",
    active: "Activa",
    revoked: (w) => `Revocada ${w}`,
    never: "nunca",
    revoke: "Revocar",
    revokeConfirm: "¿Revocar esta clave? Las solicitudes hechas con ella se rechazan de inmediato.",
    revokedDone: "Clave revocada.",
    none: "Esta aplicación no tiene claves.",
  },
  faces: {
    title: "Rostros",
    privacy: "Aquí nunca se muestran plantillas, datos asociados ni fotos: solo de qué está hecho un rostro.",
    search: "ID externo o ID facial",
    searchButton: "Buscar",
    showAll: "Mostrar todos",
    colExternal: "ID externo",
    colFacial: "ID facial",
    colEnrolled: "Registrado",
    colState: "Estado",
    details: "Detalles",
    empty: "No hay rostros registrados.",
    noMatch: (q) => `Ningún rostro tiene el ID «${q}».`,
    next: "Página siguiente",
    prev: "Página anterior",
    page: (n) => `Página ${n}`,
    detailTitle: "Rostro",
    fields: {
      facial_id: "ID facial",
      external_id: "ID externo",
      number: "Número",
      created_at: "Registrado",
      updated_at: "Actualizado",
      last_used_at: "Última autenticación",
      models: "Reconocedor",
      current_model: "Reconocedor del servidor",
      needs_reenrollment: "Debe registrarse de nuevo",
      has_pin: "Tiene PIN",
      payload_bytes: "Tamaño de los datos",
      enrolled_templates: "Plantillas registradas",
      learned_templates: "Plantillas aprendidas",
    },
    bytes: (n) => `${n} bytes`,
    reenroll: "Registrar de nuevo",
    ok: "Correcto",
    deleteFace: "Eliminar este rostro",
    deleteConfirm: "¿Eliminar este rostro? Sus plantillas, datos y PIN se borran de inmediato.",
    deleted: "Rostro eliminado.",
  },
  usage: {
    title: "Uso",
    period: "Periodo",
    lastDays: (n) => `Últimos ${n} días`,
    counts: {
      calls: "Llamadas a la API",
      succeeded: "Correctas",
      refused: "Rechazadas",
      pad_attacks: "Ataques de presentación",
      widget_sessions: "Sesiones del widget",
      widget_frames: "Imágenes analizadas",
    },
    faces: "Rostros registrados",
    charts: {
      calls: "Llamadas a la API por día",
      endpoints: "Llamadas a la API por endpoint",
      refusals: "Rechazos por código de error",
      pad: "Ataques de presentación rechazados por día",
      sessions: "Sesiones del widget por día",
      frames: "Imágenes analizadas por día",
      gallery: "Rostros registrados a lo largo del tiempo",
    },
    day: "Día",
    endpoint: "Endpoint",
    code: "Código de error",
    table: "Ver las cifras",
    nothing: "Nada en este periodo.",
    notRecorded: "no registrado",
    notRecordedYet: "Aún no registrado: el servidor lo registra cada hora.",
    chartSummary: (t, n, f, to) => `${t}: ${n} en total del ${f} al ${to}`,
    barsSummary: (t, n, rows) => `${t}: ${n} en total, en ${rows} filas`,
    lineSummary: (t, last, f, to) => `${t} del ${f} al ${to}; último: ${last}`,
  },
  audit: {
    title: "Registro de auditoría",
    text: "Cada cambio en los datos de este servidor, quién lo hizo y desde dónde, y cada inicio de sesión en la consola; los más antiguos primero. Nunca un secreto, una plantilla ni una foto.",
    filters: "Filtros",
    allApps: "Todas las aplicaciones",
    action: "Acción",
    allActions: "Todas las acciones",
    actor: "Hecho por",
    allActors: "Cualquiera",
    from: "Desde",
    to: "Hasta",
    daysHelp: "Días en UTC; ambos incluidos.",
    apply: "Mostrar",
    reset: "Quitar los filtros",
    colTime: "Hora",
    colActor: "Hecho por",
    colAddress: "Dirección",
    colAction: "Acción",
    colApp: "Aplicación",
    colTarget: "Objeto",
    colDetail: "Detalle",
    empty: "Ninguna entrada coincide.",
    prev: "Página anterior",
    next: "Página siguiente",
    actors: { admin: "Token de administración", console: "Consola", key: "Clave de la aplicación", public: "Página web", system: "Servidor" },
    actions: {
      "app.create": "Aplicación creada",
      "app.edit": "Nombre o plan cambiado",
      "app.settings": "Reglas cambiadas",
      "app.plan": "Plan cambiado",
      "app.delete": "Aplicación eliminada",
      "account.register": "Cuenta registrada",
      "key.create": "Clave creada",
      "key.revoke": "Clave revocada",
      "admin_token.create": "Token de administración creado",
      "face.enroll": "Rostro registrado",
      "face.reenroll": "Rostro registrado de nuevo",
      "face.delete": "Rostro eliminado",
      "face.payload": "Datos cambiados",
      "face.pin": "PIN cambiado",
      "face.learn": "Plantilla aprendida",
      "subject.export": "Datos de una persona exportados",
      "subject.erase": "Persona borrada",
      "webhook.create": "Webhook creado",
      "webhook.update": "Webhook cambiado",
      "webhook.delete": "Webhook eliminado",
      "webhook.redeliver": "Evento reenviado",
      "audit.prune": "Registro de auditoría depurado",
      "console.sign_in": "Inicio de sesión en la consola",
      "console.sign_in_refused": "Inicio de sesión rechazado",
      "console.sign_out": "Cierre de sesión de la consola",
    },
    changed: "cambiado",
  },
  webhooks: {
    title: "Webhooks",
    text: "Visage envía por POST los eventos de esta aplicación a estas URL en cuanto ocurren, firmados con el secreto de cada webhook (Standard Webhooks).",
    create: "Añadir un webhook",
    url: "URL",
    urlHelp: "http:// o https://, sin usuario ni contraseña.",
    events: "Eventos",
    eventsHelp: "Ninguno marcado: todos los eventos.",
    enabled: "Activado",
    enabledHelp: "Un webhook desactivado no recibe nada, ni acumula.",
    submit: "Añadir",
    secret: "Secreto de firma: cópialo ahora, no se vuelve a mostrar.",
    colURL: "URL",
    colEvents: "Eventos",
    colState: "Estado",
    colCreated: "Creado",
    allEvents: "Todos los eventos",
    on: "Activado",
    off: "Desactivado",
    failing: (n, w) => `${n} intentos fallidos; siguiente ${w}`,
    enable: "Activar",
    disable: "Desactivar",
    enabledDone: "Webhook activado.",
    disabledDone: "Webhook desactivado.",
    edit: "Editar",
    editTitle: "Editar el webhook",
    saved: "Webhook guardado.",
    deleteHook: "Eliminar",
    deleteConfirm: "¿Eliminar este webhook y su registro de entregas?",
    deleted: "Webhook eliminado.",
    none: "Esta aplicación no tiene webhooks.",
    deliveries: "Entregas",
    deliveriesTitle: (u) => `Entregas a ${u}`,
    colTime: "Hora",
    colEvent: "Evento",
    colAttempt: "Intento",
    colResult: "Respuesta",
    colOutcome: "Resultado",
    manual: "reenviado",
    status: (n) => `HTTP ${n}`,
    ms: (n) => `${n} ms`,
    outcomes: { delivered: "Entregado", retrying: "Se reintentará", given_up: "Abandonado", failed: "Fallido" },
    redeliver: "Reenviar",
    redelivered: "Evento reenviado: el receptor lo aceptó.",
    redeliverFailed: "Evento reenviado: el receptor no lo aceptó.",
    noDeliveries: "Todavía no se ha entregado nada.",
    newer: "Más recientes",
    older: "Más antiguas",
    close: "Cerrar",
    eventNames: {
      "face.enrolled": "Se registra un rostro",
      "face.deleted": "Se elimina un rostro",
      "face.payload_updated": "Cambian los datos de un rostro",
      "authentication.succeeded": "Un inicio de sesión tiene éxito",
      "authentication.failed": "Un inicio de sesión falla",
      "liveness.attack": "Se rechaza un ataque",
      "app.settings_changed": "Cambian las reglas",
    },
  },
  confirm: "Confirmar",
};

const fr: Strings = {
  langName: "Français",
  brand: "Console Visage",
  nav: { apps: "Applications", keys: "Clés", faces: "Visages", usage: "Utilisation", webhooks: "Webhooks", audit: "Journal d’audit" },
  navLabel: "Sections de la console",
  skip: "Aller au contenu",
  language: "Langue",
  signOut: "Se déconnecter",
  loading: "Chargement…",
  save: "Enregistrer",
  saved: "Enregistré.",
  cancel: "Annuler",
  del: "Supprimer",
  copy: "Copier",
  copied: "Copié dans le presse-papiers.",
  copyHint: "Sélectionnez la clé et copiez-la.",
  yes: "Oui",
  no: "Non",
  none: "—",
  app: "Application",
  noApps: "Aucune application pour l’instant : créez-en une sur la page Applications.",
  error: (m) => `Erreur : ${m}`,
  signIn: {
    title: "Connexion",
    text: "Collez un jeton d’administration de ce serveur. Le premier démarrage de visage serve en a affiché un ; visage admin token en crée un autre.",
    token: "Jeton d’administration",
    submit: "Se connecter",
    wrong: "Ce n’est pas un jeton d’administration de ce serveur.",
    throttled: (s) => `Trop de tentatives depuis cette adresse. Réessayez dans ${s} s.`,
    ended: "Votre session a pris fin. Reconnectez-vous.",
  },
  apps: {
    title: "Applications",
    create: "Créer une application",
    name: "Nom",
    plan: "Formule",
    submit: "Créer",
    created: "Application créée. Sa première clé privée est ci-dessous : copiez-la maintenant, elle ne sera plus affichée.",
    colName: "Nom",
    colPlan: "Formule",
    colPublicID: "ID public",
    colCreated: "Créée",
    publicIDHelp: "L’ID public peut figurer dans une page web : le widget ouvre ses sessions avec.",
    back: "Toutes les applications",
    identity: "Nom et formule",
    rules: "Règles",
    rulesHelp: "Ce que le serveur impose aux visages et aux pages de cette application.",
    renamed: "Nom et formule enregistrés.",
    dangerTitle: "Supprimer cette application",
    dangerText: "Supprime l’application avec tous ses visages, clés et son utilisation, immédiatement. C’est irréversible. Tapez son nom pour confirmer.",
    confirmLabel: "Le nom de l’application",
    deleteApp: "Supprimer l’application",
    deleteConfirm: (n) => `Supprimer « ${n} » et tout ce qui s’y rattache, définitivement ?`,
    deleted: (n) => `Application « ${n} » supprimée.`,
  },
  settings: {
    level: { label: "Niveau de précision", help: "La certitude exigée d’une correspondance : le niveau N accepte environ un inconnu sur 10^N." },
    require_liveness: { label: "Exiger la détection du vivant", help: "Refuse les photos que le modèle anti-usurpation juge non vivantes (une impression, un écran)." },
    prevent_duplicates: { label: "Empêcher les doublons", help: "Refuse d’inscrire une personne qui correspond déjà à un visage de cette application." },
    require_pin: { label: "Exiger un code PIN", help: "Chaque inscription doit comporter un code PIN, redemandé à chaque connexion." },
    unique_pin: { label: "Codes PIN uniques", help: "Refuse un code PIN qu’un autre visage de cette application possède déjà." },
    min_age: { label: "Âge minimum", help: "Refuse les visages estimés plus jeunes que cet âge plus une marge ; 0 le désactive." },
    retention_days: { label: "Conservation", help: "Supprime les visages qui ne se sont pas authentifiés depuis ce nombre de jours (depuis l’inscription sinon) ; 0 les garde." },
    learn_templates: { label: "Apprendre des connexions", help: "Les connexions sûres et vivantes ajoutent leur modèle au visage, qui suit ainsi la personne." },
    allowed_origins: { label: "Origines autorisées", help: "Seules les pages de ces origines peuvent ouvrir des sessions du widget, une par ligne ; vide autorise tout." },
    reject_empty_origin: { label: "Refuser les requêtes sans origine", help: "Refuse les sessions du widget dont la requête ne nomme aucune origine web." },
    allowed_countries: { label: "Pays autorisés", help: "Codes ISO (FR, BE…) d’où les sessions peuvent s’ouvrir, selon le proxy de confiance ; vide autorise tout." },
    auther_signing_key: { label: "Clé de signature Auther", help: "PEM de la clé publique RSA (2048 bits ou plus) avec laquelle votre backend signe ses requêtes Auther." },
    auther_require_signature: { label: "Exiger les signatures Auther", help: "Refuse les requêtes Auther qui ne sont pas signées avec la clé ci-dessus." },
  },
  level: (n, odds) => `${n} — un sur ${odds}`,
  years: "ans",
  days: "jours",
  keys: {
    title: "Clés",
    text: "Les clés privées permettent au backend de l’application d’appeler l’API. Gardez-les secrètes : jamais dans une page web.",
    create: "Créer une clé",
    shownOnce: "Nouvelle clé : copiez-la maintenant, elle ne sera plus affichée.",
    colKey: "Clé",
    colCreated: "Créée",
    colLastUsed: "Dernière utilisation",
    colStatus: "État",
    active: "Active",
    revoked: (w) => `Révoquée ${w}`,
    never: "jamais",
    revoke: "Révoquer",
    revokeConfirm: "Révoquer cette clé ? Les requêtes faites avec elle sont refusées aussitôt.",
    revokedDone: "Clé révoquée.",
    none: "Cette application n’a aucune clé.",
  },
  faces: {
    title: "Visages",
    privacy: "Les modèles, les données associées et les photos ne sont jamais affichés ici : seulement ce dont un visage est fait.",
    search: "ID externe ou ID facial",
    searchButton: "Rechercher",
    showAll: "Tout afficher",
    colExternal: "ID externe",
    colFacial: "ID facial",
    colEnrolled: "Inscrit",
    colState: "État",
    details: "Détails",
    empty: "Aucun visage inscrit.",
    noMatch: (q) => `Aucun visage n’a l’ID « ${q} ».`,
    next: "Page suivante",
    prev: "Page précédente",
    page: (n) => `Page ${n}`,
    detailTitle: "Visage",
    fields: {
      facial_id: "ID facial",
      external_id: "ID externe",
      number: "Numéro",
      created_at: "Inscrit",
      updated_at: "Modifié",
      last_used_at: "Dernière authentification",
      models: "Reconnaissance",
      current_model: "Reconnaissance du serveur",
      needs_reenrollment: "À réinscrire",
      has_pin: "A un code PIN",
      payload_bytes: "Taille des données",
      enrolled_templates: "Modèles inscrits",
      learned_templates: "Modèles appris",
    },
    bytes: (n) => `${n} octets`,
    reenroll: "À réinscrire",
    ok: "OK",
    deleteFace: "Supprimer ce visage",
    deleteConfirm: "Supprimer ce visage ? Ses modèles, données et code PIN sont effacés aussitôt.",
    deleted: "Visage supprimé.",
  },
  usage: {
    title: "Utilisation",
    period: "Période",
    lastDays: (n) => `${n} derniers jours`,
    counts: {
      calls: "Appels à l’API",
      succeeded: "Réussis",
      refused: "Refusés",
      pad_attacks: "Attaques par présentation",
      widget_sessions: "Sessions du widget",
      widget_frames: "Images analysées",
    },
    faces: "Visages inscrits",
    charts: {
      calls: "Appels à l’API par jour",
      endpoints: "Appels à l’API par point d’accès",
      refusals: "Refus par code d’erreur",
      pad: "Attaques par présentation refusées par jour",
      sessions: "Sessions du widget par jour",
      frames: "Images analysées par jour",
      gallery: "Visages inscrits au fil du temps",
    },
    day: "Jour",
    endpoint: "Point d’accès",
    code: "Code d’erreur",
    table: "Voir les chiffres",
    nothing: "Rien sur cette période.",
    notRecorded: "non enregistré",
    notRecordedYet: "Pas encore enregistré : le serveur l’enregistre toutes les heures.",
    chartSummary: (t, n, f, to) => `${t} : ${n} au total du ${f} au ${to}`,
    barsSummary: (t, n, rows) => `${t} : ${n} au total, sur ${rows} lignes`,
    lineSummary: (t, last, f, to) => `${t} du ${f} au ${to} ; dernier : ${last}`,
  },
  audit: {
    title: "Journal d’audit",
    text: "Chaque modification des données de ce serveur, qui l’a faite et d’où, et chaque connexion à la console ; les plus anciennes d’abord. Jamais un secret, un modèle ni une photo.",
    filters: "Filtres",
    allApps: "Toutes les applications",
    action: "Action",
    allActions: "Toutes les actions",
    actor: "Fait par",
    allActors: "Tous",
    from: "Du",
    to: "Au",
    daysHelp: "Jours en UTC, inclus tous les deux.",
    apply: "Afficher",
    reset: "Effacer les filtres",
    colTime: "Heure",
    colActor: "Fait par",
    colAddress: "Adresse",
    colAction: "Action",
    colApp: "Application",
    colTarget: "Objet",
    colDetail: "Détail",
    empty: "Aucune entrée ne correspond.",
    prev: "Page précédente",
    next: "Page suivante",
    actors: { admin: "Jeton d’administration", console: "Console", key: "Clé d’application", public: "Page web", system: "Serveur" },
    actions: {
      "app.create": "Application créée",
      "app.edit": "Nom ou formule modifiés",
      "app.settings": "Règles modifiées",
      "app.plan": "Formule modifiée",
      "app.delete": "Application supprimée",
      "account.register": "Compte créé",
      "key.create": "Clé créée",
      "key.revoke": "Clé révoquée",
      "admin_token.create": "Jeton d’administration créé",
      "face.enroll": "Visage inscrit",
      "face.reenroll": "Visage réinscrit",
      "face.delete": "Visage supprimé",
      "face.payload": "Données modifiées",
      "face.pin": "Code PIN modifié",
      "face.learn": "Modèle appris",
      "subject.export": "Données d’une personne exportées",
      "subject.erase": "Personne effacée",
      "webhook.create": "Webhook créé",
      "webhook.update": "Webhook modifié",
      "webhook.delete": "Webhook supprimé",
      "webhook.redeliver": "Événement renvoyé",
      "audit.prune": "Journal d’audit purgé",
      "console.sign_in": "Connexion à la console",
      "console.sign_in_refused": "Connexion à la console refusée",
      "console.sign_out": "Déconnexion de la console",
    },
    changed: "modifié",
  },
  webhooks: {
    title: "Webhooks",
    text: "Visage envoie par POST les événements de cette application à ces URL dès qu’ils se produisent, signés avec le secret de chaque webhook (Standard Webhooks).",
    create: "Ajouter un webhook",
    url: "URL",
    urlHelp: "http:// ou https://, sans nom d’utilisateur ni mot de passe.",
    events: "Événements",
    eventsHelp: "Aucun coché : tous les événements.",
    enabled: "Activé",
    enabledHelp: "Un webhook désactivé ne reçoit rien et n’accumule rien.",
    submit: "Ajouter",
    secret: "Secret de signature : copiez-le maintenant, il ne sera plus affiché.",
    colURL: "URL",
    colEvents: "Événements",
    colState: "État",
    colCreated: "Créé",
    allEvents: "Tous les événements",
    on: "Activé",
    off: "Désactivé",
    failing: (n, w) => `${n} tentatives échouées ; prochaine ${w}`,
    enable: "Activer",
    disable: "Désactiver",
    enabledDone: "Webhook activé.",
    disabledDone: "Webhook désactivé.",
    edit: "Modifier",
    editTitle: "Modifier le webhook",
    saved: "Webhook enregistré.",
    deleteHook: "Supprimer",
    deleteConfirm: "Supprimer ce webhook et son journal de livraisons ?",
    deleted: "Webhook supprimé.",
    none: "Cette application n’a aucun webhook.",
    deliveries: "Livraisons",
    deliveriesTitle: (u) => `Livraisons à ${u}`,
    colTime: "Heure",
    colEvent: "Événement",
    colAttempt: "Tentative",
    colResult: "Réponse",
    colOutcome: "Résultat",
    manual: "renvoyé",
    status: (n) => `HTTP ${n}`,
    ms: (n) => `${n} ms`,
    outcomes: { delivered: "Livré", retrying: "Sera réessayé", given_up: "Abandonné", failed: "Échoué" },
    redeliver: "Renvoyer",
    redelivered: "Événement renvoyé : le destinataire l’a accepté.",
    redeliverFailed: "Événement renvoyé : le destinataire ne l’a pas accepté.",
    noDeliveries: "Rien n’a encore été livré.",
    newer: "Plus récentes",
    older: "Plus anciennes",
    close: "Fermer",
    eventNames: {
      "face.enrolled": "Un visage est inscrit",
      "face.deleted": "Un visage est supprimé",
      "face.payload_updated": "Les données d’un visage changent",
      "authentication.succeeded": "Une connexion réussit",
      "authentication.failed": "Une connexion échoue",
      "liveness.attack": "Une attaque est refusée",
      "app.settings_changed": "Les règles changent",
    },
  },
  confirm: "Confirmer",
};

const ar: Strings = {
  langName: "العربية",
  brand: "وحدة تحكم Visage",
  nav: { apps: "التطبيقات", keys: "المفاتيح", faces: "الوجوه", usage: "الاستخدام", webhooks: "خطافات الويب", audit: "سجل التدقيق" },
  navLabel: "أقسام وحدة التحكم",
  skip: "الانتقال إلى المحتوى",
  language: "اللغة",
  signOut: "تسجيل الخروج",
  loading: "جارٍ التحميل…",
  save: "حفظ",
  saved: "تم الحفظ.",
  cancel: "إلغاء",
  del: "حذف",
  copy: "نسخ",
  copied: "تم النسخ إلى الحافظة.",
  copyHint: "حدّد المفتاح وانسخه.",
  yes: "نعم",
  no: "لا",
  none: "—",
  app: "التطبيق",
  noApps: "لا توجد تطبيقات بعد: أنشئ واحدًا في صفحة التطبيقات.",
  error: (m) => `خطأ: ${m}`,
  signIn: {
    title: "تسجيل الدخول",
    text: "الصق رمز إدارة لهذا الخادم. طبع أول تشغيل لـ visage serve رمزًا؛ والأمر visage admin token ينشئ رمزًا آخر.",
    token: "رمز الإدارة",
    submit: "تسجيل الدخول",
    wrong: "هذا ليس رمز إدارة لهذا الخادم.",
    throttled: (s) => `محاولات كثيرة من هذا العنوان. حاول مرة أخرى بعد ${s} ثانية.`,
    ended: "انتهت جلستك. سجّل الدخول من جديد.",
  },
  apps: {
    title: "التطبيقات",
    create: "إنشاء تطبيق",
    name: "الاسم",
    plan: "الخطة",
    submit: "إنشاء",
    created: "تم إنشاء التطبيق. مفتاحه الخاص الأول أدناه: انسخه الآن، فلن يُعرض مرة أخرى.",
    colName: "الاسم",
    colPlan: "الخطة",
    colPublicID: "المعرّف العام",
    colCreated: "تاريخ الإنشاء",
    publicIDHelp: "يمكن وضع المعرّف العام في صفحة ويب: تفتح الأداة جلساتها به.",
    back: "كل التطبيقات",
    identity: "الاسم والخطة",
    rules: "القواعد",
    rulesHelp: "ما يفرضه الخادم على وجوه هذا التطبيق وصفحاته.",
    renamed: "تم حفظ الاسم والخطة.",
    dangerTitle: "حذف هذا التطبيق",
    dangerText: "يحذف التطبيق مع كل وجوهه ومفاتيحه واستخدامه فورًا. لا يمكن التراجع عن ذلك. اكتب اسمه للتأكيد.",
    confirmLabel: "اسم التطبيق",
    deleteApp: "حذف التطبيق",
    deleteConfirm: (n) => `حذف «${n}» وكل ما يخصه نهائيًا؟`,
    deleted: (n) => `تم حذف التطبيق «${n}».`,
  },
  settings: {
    level: { label: "مستوى الدقة", help: "مدى اليقين المطلوب للتطابق: المستوى N يقبل غريبًا واحدًا تقريبًا من كل 10^N." },
    require_liveness: { label: "اشتراط الحيوية", help: "يرفض الصور التي يحكم نموذج مكافحة الانتحال بأنها ليست حية (صورة مطبوعة، شاشة)." },
    prevent_duplicates: { label: "منع التكرار", help: "يرفض تسجيل شخص يطابق وجهًا مسجلًا في هذا التطبيق." },
    require_pin: { label: "اشتراط رمز PIN", help: "يجب أن يصحب كل تسجيل رمز PIN يُطلب مجددًا عند كل دخول." },
    unique_pin: { label: "رموز PIN فريدة", help: "يرفض رمز PIN يملكه وجه آخر في هذا التطبيق." },
    min_age: { label: "الحد الأدنى للعمر", help: "يرفض الوجوه المقدّر أنها أصغر من هذا العمر مع هامش أمان؛ 0 يوقفه." },
    retention_days: { label: "مدة الاحتفاظ", help: "يحذف الوجوه التي لم تُصادَق منذ هذا العدد من الأيام (منذ التسجيل إن لم تُستخدم)؛ 0 يحتفظ بها." },
    learn_templates: { label: "التعلّم من عمليات الدخول", help: "تضيف عمليات الدخول المؤكدة والحية قالبها إلى الوجه، فيواكب تغيّر الشخص." },
    allowed_origins: { label: "المصادر المسموح بها", help: "لا تفتح جلسات الأداة إلا صفحات هذه المصادر، مصدر في كل سطر؛ الفراغ يسمح بالجميع." },
    reject_empty_origin: { label: "رفض الطلبات بلا مصدر", help: "يرفض جلسات الأداة التي لا يذكر طلبها أي مصدر ويب." },
    allowed_countries: { label: "الدول المسموح بها", help: "رموز ISO (مثل SA وEG) التي يمكن فتح الجلسات منها وفق الوكيل الموثوق؛ الفراغ يسمح بالجميع." },
    auther_signing_key: { label: "مفتاح توقيع Auther", help: "PEM للمفتاح العام RSA (2048 بت أو أكثر) الذي يوقّع به خادمك طلبات Auther." },
    auther_require_signature: { label: "اشتراط توقيعات Auther", help: "يرفض طلبات Auther غير الموقّعة بالمفتاح أعلاه." },
  },
  level: (n, odds) => `${n} — واحد من ${odds}`,
  years: "سنة",
  days: "يوم",
  keys: {
    title: "المفاتيح",
    text: "تتيح المفاتيح الخاصة للخادم الخلفي للتطبيق استدعاء الواجهة البرمجية. احفظها سرًا: لا تضعها أبدًا في صفحة ويب.",
    create: "إنشاء مفتاح",
    shownOnce: "مفتاح جديد: انسخه الآن، فلن يُعرض مرة أخرى.",
    colKey: "المفتاح",
    colCreated: "تاريخ الإنشاء",
    colLastUsed: "آخر استخدام",
    colStatus: "الحالة",
    active: "نشط",
    revoked: (w) => `أُلغي ${w}`,
    never: "أبدًا",
    revoke: "إلغاء",
    revokeConfirm: "إلغاء هذا المفتاح؟ تُرفض الطلبات المرسلة به فورًا.",
    revokedDone: "تم إلغاء المفتاح.",
    none: "لا مفاتيح لهذا التطبيق.",
  },
  faces: {
    title: "الوجوه",
    privacy: "لا تُعرض هنا القوالب ولا البيانات المرفقة ولا الصور أبدًا: فقط مما يتكوّن الوجه.",
    search: "المعرّف الخارجي أو معرّف الوجه",
    searchButton: "بحث",
    showAll: "عرض الكل",
    colExternal: "المعرّف الخارجي",
    colFacial: "معرّف الوجه",
    colEnrolled: "تاريخ التسجيل",
    colState: "الحالة",
    details: "التفاصيل",
    empty: "لا توجد وجوه مسجلة.",
    noMatch: (q) => `لا يوجد وجه بالمعرّف «${q}».`,
    next: "الصفحة التالية",
    prev: "الصفحة السابقة",
    page: (n) => `الصفحة ${n}`,
    detailTitle: "الوجه",
    fields: {
      facial_id: "معرّف الوجه",
      external_id: "المعرّف الخارجي",
      number: "الرقم",
      created_at: "تاريخ التسجيل",
      updated_at: "آخر تحديث",
      last_used_at: "آخر مصادقة",
      models: "نموذج التعرّف",
      current_model: "نموذج التعرّف في الخادم",
      needs_reenrollment: "يحتاج إلى إعادة التسجيل",
      has_pin: "لديه رمز PIN",
      payload_bytes: "حجم البيانات",
      enrolled_templates: "القوالب المسجلة",
      learned_templates: "القوالب المتعلَّمة",
    },
    bytes: (n) => `${n} بايت`,
    reenroll: "إعادة التسجيل",
    ok: "سليم",
    deleteFace: "حذف هذا الوجه",
    deleteConfirm: "حذف هذا الوجه؟ تُمحى قوالبه وبياناته ورمز PIN فورًا.",
    deleted: "تم حذف الوجه.",
  },
  usage: {
    title: "الاستخدام",
    period: "الفترة",
    lastDays: (n) => `آخر ${n} يومًا`,
    counts: {
      calls: "استدعاءات الواجهة البرمجية",
      succeeded: "الناجحة",
      refused: "المرفوضة",
      pad_attacks: "هجمات العرض",
      widget_sessions: "جلسات الأداة",
      widget_frames: "الإطارات المحلَّلة",
    },
    faces: "الوجوه المسجلة",
    charts: {
      calls: "استدعاءات الواجهة البرمجية يوميًا",
      endpoints: "استدعاءات الواجهة البرمجية لكل نقطة وصول",
      refusals: "الرفض حسب رمز الخطأ",
      pad: "هجمات العرض المرفوضة يوميًا",
      sessions: "جلسات الأداة يوميًا",
      frames: "الإطارات المحلَّلة يوميًا",
      gallery: "الوجوه المسجلة عبر الزمن",
    },
    day: "اليوم",
    endpoint: "نقطة الوصول",
    code: "رمز الخطأ",
    table: "عرض الأرقام",
    nothing: "لا شيء في هذه الفترة.",
    notRecorded: "غير مسجّل",
    notRecordedYet: "لم يُسجَّل بعد: يسجّله الخادم كل ساعة.",
    chartSummary: (t, n, f, to) => `${t}: ${n} إجمالًا من ${f} إلى ${to}`,
    barsSummary: (t, n, rows) => `${t}: ${n} إجمالًا، في ${rows} صفوف`,
    lineSummary: (t, last, f, to) => `${t} من ${f} إلى ${to}؛ الأخير: ${last}`,
  },
  audit: {
    title: "سجل التدقيق",
    text: "كل تغيير في بيانات هذا الخادم، ومن أجراه ومن أين، وكل تسجيل دخول إلى وحدة التحكم؛ الأقدم أولًا. لا أسرار ولا قوالب ولا صور أبدًا.",
    filters: "عوامل التصفية",
    allApps: "كل التطبيقات",
    action: "الإجراء",
    allActions: "كل الإجراءات",
    actor: "المنفِّذ",
    allActors: "الجميع",
    from: "من",
    to: "إلى",
    daysHelp: "الأيام بتوقيت UTC، ويشمل الحدّان.",
    apply: "عرض",
    reset: "مسح عوامل التصفية",
    colTime: "الوقت",
    colActor: "المنفِّذ",
    colAddress: "العنوان",
    colAction: "الإجراء",
    colApp: "التطبيق",
    colTarget: "الهدف",
    colDetail: "التفاصيل",
    empty: "لا يوجد إدخال مطابق.",
    prev: "الصفحة السابقة",
    next: "الصفحة التالية",
    actors: { admin: "رمز الإدارة", console: "وحدة التحكم", key: "مفتاح التطبيق", public: "صفحة ويب", system: "الخادم" },
    actions: {
      "app.create": "إنشاء تطبيق",
      "app.edit": "تغيير الاسم أو الخطة",
      "app.settings": "تغيير القواعد",
      "app.plan": "تغيير الخطة",
      "app.delete": "حذف تطبيق",
      "account.register": "تسجيل حساب",
      "key.create": "إنشاء مفتاح",
      "key.revoke": "إلغاء مفتاح",
      "admin_token.create": "إنشاء رمز إدارة",
      "face.enroll": "تسجيل وجه",
      "face.reenroll": "إعادة تسجيل وجه",
      "face.delete": "حذف وجه",
      "face.payload": "تغيير البيانات المرفقة",
      "face.pin": "تغيير رمز PIN",
      "face.learn": "تعلّم قالب",
      "subject.export": "تصدير بيانات شخص",
      "subject.erase": "محو شخص",
      "webhook.create": "إنشاء خطاف ويب",
      "webhook.update": "تغيير خطاف ويب",
      "webhook.delete": "حذف خطاف ويب",
      "webhook.redeliver": "إعادة إرسال حدث",
      "audit.prune": "تقليم سجل التدقيق",
      "console.sign_in": "تسجيل الدخول إلى وحدة التحكم",
      "console.sign_in_refused": "رفض تسجيل الدخول إلى وحدة التحكم",
      "console.sign_out": "تسجيل الخروج من وحدة التحكم",
    },
    changed: "تغيّر",
  },
  webhooks: {
    title: "خطافات الويب",
    text: "يرسل Visage أحداث هذا التطبيق بطلبات POST إلى هذه العناوين فور وقوعها، موقّعة بسرّ كل خطاف (Standard Webhooks).",
    create: "إضافة خطاف ويب",
    url: "العنوان (URL)",
    urlHelp: "‏http:// أو https://، بلا اسم مستخدم ولا كلمة مرور.",
    events: "الأحداث",
    eventsHelp: "إن لم يُحدَّد شيء: كل الأحداث.",
    enabled: "مفعَّل",
    enabledHelp: "الخطاف المعطَّل لا يتلقى شيئًا ولا يُراكم شيئًا.",
    submit: "إضافة",
    secret: "سرّ التوقيع: انسخه الآن، فلن يُعرض مرة أخرى.",
    colURL: "العنوان",
    colEvents: "الأحداث",
    colState: "الحالة",
    colCreated: "تاريخ الإنشاء",
    allEvents: "كل الأحداث",
    on: "مفعَّل",
    off: "معطَّل",
    failing: (n, w) => `${n} محاولات فاشلة؛ التالية ${w}`,
    enable: "تفعيل",
    disable: "تعطيل",
    enabledDone: "تم تفعيل الخطاف.",
    disabledDone: "تم تعطيل الخطاف.",
    edit: "تعديل",
    editTitle: "تعديل الخطاف",
    saved: "تم حفظ الخطاف.",
    deleteHook: "حذف",
    deleteConfirm: "حذف هذا الخطاف وسجل تسليماته؟",
    deleted: "تم حذف الخطاف.",
    none: "لا خطافات ويب لهذا التطبيق.",
    deliveries: "التسليمات",
    deliveriesTitle: (u) => `التسليمات إلى ${u}`,
    colTime: "الوقت",
    colEvent: "الحدث",
    colAttempt: "المحاولة",
    colResult: "الرد",
    colOutcome: "النتيجة",
    manual: "أُعيد إرساله",
    status: (n) => `HTTP ${n}`,
    ms: (n) => `${n} مللي ثانية`,
    outcomes: { delivered: "سُلِّم", retrying: "ستُعاد المحاولة", given_up: "تُخلّي عنه", failed: "فشل" },
    redeliver: "إعادة الإرسال",
    redelivered: "أُعيد إرسال الحدث: قبله المتلقي.",
    redeliverFailed: "أُعيد إرسال الحدث: لم يقبله المتلقي.",
    noDeliveries: "لم يُسلَّم شيء بعد.",
    newer: "الأحدث",
    older: "الأقدم",
    close: "إغلاق",
    eventNames: {
      "face.enrolled": "تسجيل وجه",
      "face.deleted": "حذف وجه",
      "face.payload_updated": "تغيّر بيانات وجه",
      "authentication.succeeded": "نجاح تسجيل دخول",
      "authentication.failed": "فشل تسجيل دخول",
      "liveness.attack": "رفض هجوم",
      "app.settings_changed": "تغيّر القواعد",
    },
  },
  confirm: "تأكيد",
};

export const languages: Record<Lang, Strings> = { en, es, fr, ar };

const storageKey = "visage-console-lang";

// chooseLang picks the language: the one the operator chose in the
// console (kept in this browser), else the browser's preferences in
// order, by primary subtag ("es-MX" is Spanish), else English.
export function chooseLang(): Lang {
  let wanted: string[] = [];
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved) wanted.push(saved);
  } catch {
    // Storage refused (private mode): the browser's preferences decide.
  }
  wanted = wanted.concat(navigator.languages && navigator.languages.length ? Array.from(navigator.languages) : [navigator.language || ""]);
  for (const tag of wanted) {
    const primary = String(tag || "").toLowerCase().split(/[-_]/)[0];
    if (Object.prototype.hasOwnProperty.call(languages, primary)) return primary as Lang;
  }
  return "en";
}

export function saveLang(lang: Lang): void {
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Not kept: the choice lasts until the page is reloaded.
  }
}

export function direction(lang: Lang): "ltr" | "rtl" {
  return lang === "ar" ? "rtl" : "ltr";
}
