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
export type UsageKey = "calls" | "succeeded" | "refused" | "widget_sessions" | "widget_frames";

export interface Strings {
  langName: string;
  brand: string;
  nav: { apps: string; keys: string; faces: string; usage: string };
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
    notRecorded: string;
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
    charts: { calls: string; sessions: string; frames: string };
    day: string;
    table: string;
    chartSummary: (title: string, total: string, from: string, to: string) => string;
  };
  confirm: string;
}

const en: Strings = {
  langName: "English",
  brand: "Visage console",
  nav: { apps: "Apps", keys: "Keys", faces: "Faces", usage: "Usage" },
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
    notRecorded: "not recorded",
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
      widget_sessions: "Widget sessions",
      widget_frames: "Frames analysed",
    },
    faces: "Faces enrolled",
    charts: { calls: "API calls per day", sessions: "Widget sessions per day", frames: "Frames analysed per day" },
    day: "Day",
    table: "Show the numbers",
    chartSummary: (t, n, f, to) => `${t}: ${n} in all from ${f} to ${to}`,
  },
  confirm: "Confirm",
};

const es: Strings = {
  langName: "Español",
  brand: "Consola de Visage",
  nav: { apps: "Aplicaciones", keys: "Claves", faces: "Rostros", usage: "Uso" },
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
    notRecorded: "no registrado",
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
      widget_sessions: "Sesiones del widget",
      widget_frames: "Imágenes analizadas",
    },
    faces: "Rostros registrados",
    charts: { calls: "Llamadas a la API por día", sessions: "Sesiones del widget por día", frames: "Imágenes analizadas por día" },
    day: "Día",
    table: "Ver las cifras",
    chartSummary: (t, n, f, to) => `${t}: ${n} en total del ${f} al ${to}`,
  },
  confirm: "Confirmar",
};

const fr: Strings = {
  langName: "Français",
  brand: "Console Visage",
  nav: { apps: "Applications", keys: "Clés", faces: "Visages", usage: "Utilisation" },
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
    notRecorded: "non enregistrée",
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
      widget_sessions: "Sessions du widget",
      widget_frames: "Images analysées",
    },
    faces: "Visages inscrits",
    charts: { calls: "Appels à l’API par jour", sessions: "Sessions du widget par jour", frames: "Images analysées par jour" },
    day: "Jour",
    table: "Voir les chiffres",
    chartSummary: (t, n, f, to) => `${t} : ${n} au total du ${f} au ${to}`,
  },
  confirm: "Confirmer",
};

const ar: Strings = {
  langName: "العربية",
  brand: "وحدة تحكم Visage",
  nav: { apps: "التطبيقات", keys: "المفاتيح", faces: "الوجوه", usage: "الاستخدام" },
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
    notRecorded: "غير مسجّل",
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
      widget_sessions: "جلسات الأداة",
      widget_frames: "الإطارات المحلَّلة",
    },
    faces: "الوجوه المسجلة",
    charts: { calls: "استدعاءات الواجهة البرمجية يوميًا", sessions: "جلسات الأداة يوميًا", frames: "الإطارات المحلَّلة يوميًا" },
    day: "اليوم",
    table: "عرض الأرقام",
    chartSummary: (t, n, f, to) => `${t}: ${n} إجمالًا من ${f} إلى ${to}`,
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
