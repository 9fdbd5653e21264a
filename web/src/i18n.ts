// Every sentence a person sees, in the four languages the widget speaks.
// English is the reference: the other tables are typed against it, so a
// missing string is a compile error rather than a blank on screen.
import type { FioErrName } from "./errors";

export type Lang = "en" | "es" | "fr" | "ar";

// What the server may ask the person to do while scanning (frame replies).
export type Guidance =
  | "no_face"
  | "many_faces"
  | "move_closer"
  | "face_camera"
  | "hold_still"
  | "tilt_left"
  | "tilt_right"
  | "turn_left"
  | "turn_right"
  | "ok";

export interface Strings {
  titleAuth: string;
  titleEnroll: string;
  close: string;
  poweredBy: string;
  connecting: string;
  processing: string;
  consentTitle: string;
  consentText: string;
  consentNote: string;
  accept: string;
  decline: string;
  introTitle: string;
  introText: string;
  start: string;
  cameraTitle: string;
  cameraText: string;
  scanStart: string;
  progress: string;
  guidance: Record<Guidance, string>;
  pinChooseTitle: string;
  pinChooseText: string;
  pinConfirmTitle: string;
  pinConfirmText: string;
  pinEnterTitle: string;
  pinEnterText: string;
  pinLabel: string;
  pinLength: string;
  pinMismatch: string;
  pinTaken: string;
  pinWrong: (triesLeft: number) => string;
  deleteDigit: string;
  ok: string;
  successEnrollTitle: string;
  successEnrollText: string;
  successAuthTitle: string;
  successAuthName: (name: string) => string;
  successAuthText: string;
  failureTitle: string;
  errors: Record<FioErrName, string>;
  signInButton: string;
}

const en: Strings = {
  titleAuth: "Secure face sign-in",
  titleEnroll: "Create your face sign-in",
  close: "Close",
  poweredBy: "Powered by Visage",
  connecting: "Connecting…",
  processing: "Just a moment…",
  consentTitle: "Use your face to sign in?",
  consentText:
    "This site will use your camera to record your facial features, so it can recognize you when you sign in later.",
  consentNote: "Nothing is recorded unless you accept.",
  accept: "Accept",
  decline: "Decline",
  introTitle: "Before we start",
  introText: "Look at the camera, in good light, and follow the instructions on the screen.",
  start: "Start",
  cameraTitle: "Waiting for camera permission",
  cameraText: "Please allow this site to use your camera when your browser asks.",
  scanStart: "Place your face inside the oval.",
  progress: "Scan progress",
  guidance: {
    no_face: "We can't see your face. Place it inside the oval.",
    many_faces: "Make sure only one face is in view.",
    move_closer: "Move a little closer to the camera.",
    face_camera: "Look straight at the camera.",
    hold_still: "Hold still for a moment…",
    tilt_left: "Slowly tilt your head towards your left shoulder.",
    tilt_right: "Slowly tilt your head towards your right shoulder.",
    turn_left: "Slowly turn your head to your left.",
    turn_right: "Slowly turn your head to your right.",
    ok: "Great, keep looking at the camera.",
  },
  pinChooseTitle: "Choose a PIN",
  pinChooseText: "Pick 4 to 16 digits. You will be asked for it when you sign in.",
  pinConfirmTitle: "Confirm your PIN",
  pinConfirmText: "Type the same PIN again.",
  pinEnterTitle: "Enter your PIN",
  pinEnterText: "Type the PIN you chose when you enrolled.",
  pinLabel: "PIN",
  pinLength: "Enter 4 to 16 digits.",
  pinMismatch: "The two PINs didn't match. Please choose your PIN again.",
  pinTaken: "That PIN is already taken. Please choose another one.",
  pinWrong: (n) => (n === 1 ? "Wrong PIN. 1 try left." : `Wrong PIN. ${n} tries left.`),
  deleteDigit: "Delete",
  ok: "OK",
  successEnrollTitle: "You're enrolled",
  successEnrollText: "From now on you can sign in with your face.",
  successAuthTitle: "Welcome back",
  successAuthName: (name) => `Welcome back, ${name}`,
  successAuthText: "You're signed in.",
  failureTitle: "Something went wrong",
  errors: {
    PERMISSION_REFUSED:
      "Camera access was denied, or no camera was found. Allow access to your camera and try again.",
    NO_FACES_DETECTED: "We couldn't see a face. Make sure your face is in view and well lit.",
    UNRECOGNIZED_FACE: "We didn't recognize this face.",
    MANY_FACES: "More than one face was in view. Only you should be in front of the camera.",
    PAD_ATTACK: "We couldn't confirm that a real person was in front of the camera.",
    FACE_MISMATCH: "This face doesn't match the account.",
    NETWORK_IO: "We couldn't reach the server. Check your connection and try again.",
    WRONG_PIN_CODE: "A wrong PIN was entered too many times.",
    PROCESSING_ERR: "Something went wrong on our side. Please try again.",
    UNAUTHORIZED: "This site isn't allowed to use face sign-in.",
    TERMS_NOT_ACCEPTED: "Face sign-in needs your consent to continue.",
    UI_NOT_READY: "The sign-in window couldn't be shown.",
    SESSION_EXPIRED: "The session expired. Please start again.",
    TIMEOUT: "The server took too long to answer. Please try again.",
    TOO_MANY_REQUESTS: "Too many attempts. Please wait a moment and try again.",
    EMPTY_ORIGIN: "The origin of this page couldn't be verified.",
    FORBIDDDEN_ORIGIN: "Face sign-in isn't enabled for this website.",
    FORBIDDDEN_COUNTRY: "Face sign-in isn't available in your country.",
    UNIQUE_PIN_REQUIRED: "That PIN is already taken. Please choose another one.",
    SESSION_IN_PROGRESS: "Another face sign-in is already in progress.",
    FACE_DUPLICATION: "This face is already enrolled.",
    MINORS_NOT_ALLOWED: "Face sign-in isn't available to minors.",
  },
  signInButton: "Sign in with your face",
};

const es: Strings = {
  titleAuth: "Inicio de sesión facial seguro",
  titleEnroll: "Crea tu inicio de sesión facial",
  close: "Cerrar",
  poweredBy: "Con la tecnología de Visage",
  connecting: "Conectando…",
  processing: "Un momento…",
  consentTitle: "¿Usar tu cara para iniciar sesión?",
  consentText:
    "Este sitio usará tu cámara para registrar los rasgos de tu cara y así reconocerte cuando vuelvas a iniciar sesión.",
  consentNote: "No se registra nada si no aceptas.",
  accept: "Aceptar",
  decline: "Rechazar",
  introTitle: "Antes de empezar",
  introText: "Mira a la cámara, con buena luz, y sigue las instrucciones de la pantalla.",
  start: "Empezar",
  cameraTitle: "Esperando permiso para usar la cámara",
  cameraText: "Permite que este sitio use tu cámara cuando el navegador te lo pida.",
  scanStart: "Coloca tu cara dentro del óvalo.",
  progress: "Progreso del escaneo",
  guidance: {
    no_face: "No vemos tu cara. Colócala dentro del óvalo.",
    many_faces: "Asegúrate de que solo haya una cara a la vista.",
    move_closer: "Acércate un poco más a la cámara.",
    face_camera: "Mira directamente a la cámara.",
    hold_still: "Mantén la cabeza quieta un momento…",
    tilt_left: "Inclina la cabeza despacio hacia tu hombro izquierdo.",
    tilt_right: "Inclina la cabeza despacio hacia tu hombro derecho.",
    turn_left: "Gira la cabeza despacio hacia tu izquierda.",
    turn_right: "Gira la cabeza despacio hacia tu derecha.",
    ok: "¡Muy bien! Sigue mirando a la cámara.",
  },
  pinChooseTitle: "Elige un PIN",
  pinChooseText: "Elige de 4 a 16 dígitos. Te lo pediremos al iniciar sesión.",
  pinConfirmTitle: "Confirma tu PIN",
  pinConfirmText: "Escribe el mismo PIN otra vez.",
  pinEnterTitle: "Introduce tu PIN",
  pinEnterText: "Escribe el PIN que elegiste al registrarte.",
  pinLabel: "PIN",
  pinLength: "Introduce de 4 a 16 dígitos.",
  pinMismatch: "Los dos PIN no coinciden. Vuelve a elegir tu PIN.",
  pinTaken: "Ese PIN ya está en uso. Elige otro.",
  pinWrong: (n) => (n === 1 ? "PIN incorrecto. Te queda 1 intento." : `PIN incorrecto. Te quedan ${n} intentos.`),
  deleteDigit: "Borrar",
  ok: "OK",
  successEnrollTitle: "¡Registro completado!",
  successEnrollText: "A partir de ahora puedes iniciar sesión con tu cara.",
  successAuthTitle: "¡Hola de nuevo!",
  successAuthName: (name) => `¡Hola de nuevo, ${name}!`,
  successAuthText: "Has iniciado sesión.",
  failureTitle: "Algo salió mal",
  errors: {
    PERMISSION_REFUSED:
      "Se denegó el acceso a la cámara o no se encontró ninguna cámara. Permite el acceso a la cámara e inténtalo de nuevo.",
    NO_FACES_DETECTED: "No hemos visto ninguna cara. Asegúrate de que tu cara esté a la vista y bien iluminada.",
    UNRECOGNIZED_FACE: "No hemos reconocido esta cara.",
    MANY_FACES: "Había más de una cara a la vista. Solo tú debes estar frente a la cámara.",
    PAD_ATTACK: "No hemos podido confirmar que hubiera una persona real frente a la cámara.",
    FACE_MISMATCH: "Esta cara no coincide con la de la cuenta.",
    NETWORK_IO: "No hemos podido conectar con el servidor. Comprueba tu conexión e inténtalo de nuevo.",
    WRONG_PIN_CODE: "Se ha introducido un PIN incorrecto demasiadas veces.",
    PROCESSING_ERR: "Algo ha fallado por nuestra parte. Inténtalo de nuevo.",
    UNAUTHORIZED: "Este sitio no tiene permiso para usar el inicio de sesión facial.",
    TERMS_NOT_ACCEPTED: "El inicio de sesión facial necesita tu consentimiento para continuar.",
    UI_NOT_READY: "No se ha podido mostrar la ventana de inicio de sesión.",
    SESSION_EXPIRED: "La sesión ha caducado. Vuelve a empezar.",
    TIMEOUT: "El servidor ha tardado demasiado en responder. Inténtalo de nuevo.",
    TOO_MANY_REQUESTS: "Demasiados intentos. Espera un momento e inténtalo de nuevo.",
    EMPTY_ORIGIN: "No se ha podido verificar el origen de esta página.",
    FORBIDDDEN_ORIGIN: "El inicio de sesión facial no está habilitado para este sitio web.",
    FORBIDDDEN_COUNTRY: "El inicio de sesión facial no está disponible en tu país.",
    UNIQUE_PIN_REQUIRED: "Ese PIN ya está en uso. Elige otro.",
    SESSION_IN_PROGRESS: "Ya hay otro inicio de sesión facial en curso.",
    FACE_DUPLICATION: "Esta cara ya está registrada.",
    MINORS_NOT_ALLOWED: "El inicio de sesión facial no está disponible para menores de edad.",
  },
  signInButton: "Inicia sesión con tu cara",
};

// French puts a no-break space before "?" and "!"; \u00a0 keeps it attached.
const fr: Strings = {
  titleAuth: "Connexion sécurisée par le visage",
  titleEnroll: "Créez votre connexion par le visage",
  close: "Fermer",
  poweredBy: "Propulsé par Visage",
  connecting: "Connexion…",
  processing: "Un instant…",
  consentTitle: "Utiliser votre visage pour vous connecter\u00a0?",
  consentText:
    "Ce site utilisera votre caméra pour enregistrer les caractéristiques de votre visage, afin de vous reconnaître lors de vos prochaines connexions.",
  consentNote: "Rien n'est enregistré si vous n'acceptez pas.",
  accept: "Accepter",
  decline: "Refuser",
  introTitle: "Avant de commencer",
  introText: "Regardez la caméra, dans un endroit bien éclairé, et suivez les instructions à l'écran.",
  start: "Commencer",
  cameraTitle: "En attente de l'autorisation d'utiliser la caméra",
  cameraText: "Autorisez ce site à utiliser votre caméra lorsque votre navigateur vous le demande.",
  scanStart: "Placez votre visage dans l'ovale.",
  progress: "Progression de l'analyse",
  guidance: {
    no_face: "Nous ne voyons pas votre visage. Placez-le dans l'ovale.",
    many_faces: "Assurez-vous qu'un seul visage est visible.",
    move_closer: "Rapprochez-vous un peu de la caméra.",
    face_camera: "Regardez droit vers la caméra.",
    hold_still: "Ne bougez plus un instant…",
    tilt_left: "Inclinez lentement la tête vers votre épaule gauche.",
    tilt_right: "Inclinez lentement la tête vers votre épaule droite.",
    turn_left: "Tournez lentement la tête vers votre gauche.",
    turn_right: "Tournez lentement la tête vers votre droite.",
    ok: "Parfait, continuez à regarder la caméra.",
  },
  pinChooseTitle: "Choisissez un code PIN",
  pinChooseText: "Choisissez de 4 à 16 chiffres. Il vous sera demandé lors de la connexion.",
  pinConfirmTitle: "Confirmez votre code PIN",
  pinConfirmText: "Saisissez à nouveau le même code PIN.",
  pinEnterTitle: "Saisissez votre code PIN",
  pinEnterText: "Saisissez le code PIN choisi lors de votre inscription.",
  pinLabel: "Code PIN",
  pinLength: "Saisissez de 4 à 16 chiffres.",
  pinMismatch: "Les deux codes PIN ne correspondent pas. Choisissez à nouveau votre code PIN.",
  pinTaken: "Ce code PIN est déjà utilisé. Choisissez-en un autre.",
  pinWrong: (n) =>
    n === 1 ? "Code PIN incorrect. Il vous reste 1 essai." : `Code PIN incorrect. Il vous reste ${n} essais.`,
  deleteDigit: "Effacer",
  ok: "OK",
  successEnrollTitle: "Inscription terminée",
  successEnrollText: "Vous pouvez désormais vous connecter avec votre visage.",
  successAuthTitle: "Bon retour parmi nous",
  successAuthName: (name) => `Bon retour parmi nous, ${name}`,
  successAuthText: "Connexion réussie.",
  failureTitle: "Un problème est survenu",
  errors: {
    PERMISSION_REFUSED:
      "L'accès à la caméra a été refusé, ou aucune caméra n'a été trouvée. Autorisez l'accès à votre caméra et réessayez.",
    NO_FACES_DETECTED: "Aucun visage n'a été détecté. Vérifiez que votre visage est visible et bien éclairé.",
    UNRECOGNIZED_FACE: "Nous n'avons pas reconnu ce visage.",
    MANY_FACES: "Plusieurs visages étaient visibles. Une seule personne doit se trouver devant la caméra.",
    PAD_ATTACK: "Nous n'avons pas pu confirmer qu'une personne réelle se trouvait devant la caméra.",
    FACE_MISMATCH: "Ce visage ne correspond pas au compte.",
    NETWORK_IO: "Impossible de joindre le serveur. Vérifiez votre connexion et réessayez.",
    WRONG_PIN_CODE: "Un code PIN incorrect a été saisi trop de fois.",
    PROCESSING_ERR: "Une erreur s'est produite de notre côté. Veuillez réessayer.",
    UNAUTHORIZED: "Ce site n'est pas autorisé à utiliser la connexion par le visage.",
    TERMS_NOT_ACCEPTED: "La connexion par le visage nécessite votre consentement pour continuer.",
    UI_NOT_READY: "La fenêtre de connexion n'a pas pu s'afficher.",
    SESSION_EXPIRED: "La session a expiré. Veuillez recommencer.",
    TIMEOUT: "Le serveur a mis trop de temps à répondre. Veuillez réessayer.",
    TOO_MANY_REQUESTS: "Trop de tentatives. Patientez un instant, puis réessayez.",
    EMPTY_ORIGIN: "L'origine de cette page n'a pas pu être vérifiée.",
    FORBIDDDEN_ORIGIN: "La connexion par le visage n'est pas activée pour ce site.",
    FORBIDDDEN_COUNTRY: "La connexion par le visage n'est pas disponible dans votre pays.",
    UNIQUE_PIN_REQUIRED: "Ce code PIN est déjà utilisé. Choisissez-en un autre.",
    SESSION_IN_PROGRESS: "Une autre connexion par le visage est déjà en cours.",
    FACE_DUPLICATION: "Ce visage est déjà inscrit.",
    MINORS_NOT_ALLOWED: "La connexion par le visage n'est pas accessible aux mineurs.",
  },
  signInButton: "Se connecter avec son visage",
};

// Arabic is shown right to left (the modal sets dir="rtl"); digits stay
// Western (0-9), as PIN pads and the server's numbers are.
const ar: Strings = {
  titleAuth: "تسجيل دخول آمن بالوجه",
  titleEnroll: "أنشئ تسجيل الدخول بالوجه",
  close: "إغلاق",
  poweredBy: "مدعوم من Visage",
  connecting: "جارٍ الاتصال…",
  processing: "لحظة من فضلك…",
  consentTitle: "هل تريد استخدام وجهك لتسجيل الدخول؟",
  consentText: "سيستخدم هذا الموقع الكاميرا لتسجيل ملامح وجهك، حتى يتعرّف عليك عندما تسجّل الدخول لاحقًا.",
  consentNote: "لن يُسجَّل أي شيء ما لم توافق.",
  accept: "قبول",
  decline: "رفض",
  introTitle: "قبل أن نبدأ",
  introText: "انظر إلى الكاميرا في مكان جيد الإضاءة، واتبع التعليمات التي تظهر على الشاشة.",
  start: "ابدأ",
  cameraTitle: "في انتظار الإذن باستخدام الكاميرا",
  cameraText: "يُرجى السماح لهذا الموقع باستخدام الكاميرا عندما يطلب المتصفح ذلك.",
  scanStart: "ضع وجهك داخل الشكل البيضاوي.",
  progress: "تقدّم المسح",
  guidance: {
    no_face: "لا نرى وجهك. ضعه داخل الشكل البيضاوي.",
    many_faces: "تأكد من ظهور وجه واحد فقط.",
    move_closer: "اقترب قليلًا من الكاميرا.",
    face_camera: "انظر مباشرةً إلى الكاميرا.",
    hold_still: "اثبت دون حركة للحظة…",
    tilt_left: "أمِل رأسك ببطء نحو كتفك الأيسر.",
    tilt_right: "أمِل رأسك ببطء نحو كتفك الأيمن.",
    turn_left: "أدِر رأسك ببطء إلى يسارك.",
    turn_right: "أدِر رأسك ببطء إلى يمينك.",
    ok: "رائع، استمر في النظر إلى الكاميرا.",
  },
  pinChooseTitle: "اختر رمز PIN",
  pinChooseText: "اختر من 4 إلى 16 رقمًا. سنطلبه منك عند تسجيل الدخول.",
  pinConfirmTitle: "أكّد رمز PIN",
  pinConfirmText: "اكتب رمز PIN نفسه مرة أخرى.",
  pinEnterTitle: "أدخل رمز PIN",
  pinEnterText: "اكتب رمز PIN الذي اخترته عند التسجيل.",
  pinLabel: "رمز PIN",
  pinLength: "أدخل من 4 إلى 16 رقمًا.",
  pinMismatch: "الرمزان غير متطابقين. يُرجى اختيار رمز PIN من جديد.",
  pinTaken: "رمز PIN هذا مستخدم بالفعل. يُرجى اختيار رمز آخر.",
  // Arabic plurals have six forms; "attempts left: N" avoids them all.
  pinWrong: (n) => `رمز PIN غير صحيح. المحاولات المتبقية: ${n}`,
  deleteDigit: "حذف",
  ok: "موافق",
  successEnrollTitle: "تم تسجيلك بنجاح",
  successEnrollText: "يمكنك الآن تسجيل الدخول بوجهك.",
  successAuthTitle: "مرحبًا بعودتك",
  successAuthName: (name) => `مرحبًا بعودتك، ${name}`,
  successAuthText: "تم تسجيل دخولك.",
  failureTitle: "حدث خطأ ما",
  errors: {
    PERMISSION_REFUSED: "تم رفض الوصول إلى الكاميرا، أو لم يتم العثور على كاميرا. اسمح بالوصول إلى الكاميرا وحاول مرة أخرى.",
    NO_FACES_DETECTED: "لم نتمكن من رؤية أي وجه. تأكد من أن وجهك ظاهر وفي إضاءة جيدة.",
    UNRECOGNIZED_FACE: "لم نتعرّف على هذا الوجه.",
    MANY_FACES: "ظهر أكثر من وجه. يجب أن تكون وحدك أمام الكاميرا.",
    PAD_ATTACK: "لم نتمكن من التأكد من وجود شخص حقيقي أمام الكاميرا.",
    FACE_MISMATCH: "هذا الوجه لا يطابق الحساب.",
    NETWORK_IO: "تعذّر الاتصال بالخادم. تحقق من اتصالك وحاول مرة أخرى.",
    WRONG_PIN_CODE: "تم إدخال رمز PIN غير صحيح مرات كثيرة.",
    PROCESSING_ERR: "حدث خطأ من جهتنا. يُرجى المحاولة مرة أخرى.",
    UNAUTHORIZED: "هذا الموقع غير مسموح له باستخدام تسجيل الدخول بالوجه.",
    TERMS_NOT_ACCEPTED: "يتطلب تسجيل الدخول بالوجه موافقتك للمتابعة.",
    UI_NOT_READY: "تعذّر عرض نافذة تسجيل الدخول.",
    SESSION_EXPIRED: "انتهت صلاحية الجلسة. يُرجى البدء من جديد.",
    TIMEOUT: "استغرق الخادم وقتًا طويلًا للرد. يُرجى المحاولة مرة أخرى.",
    TOO_MANY_REQUESTS: "محاولات كثيرة جدًا. انتظر قليلًا ثم حاول مرة أخرى.",
    EMPTY_ORIGIN: "تعذّر التحقق من مصدر هذه الصفحة.",
    FORBIDDDEN_ORIGIN: "تسجيل الدخول بالوجه غير مفعّل لهذا الموقع.",
    FORBIDDDEN_COUNTRY: "تسجيل الدخول بالوجه غير متاح في بلدك.",
    UNIQUE_PIN_REQUIRED: "رمز PIN هذا مستخدم بالفعل. يُرجى اختيار رمز آخر.",
    SESSION_IN_PROGRESS: "هناك عملية تسجيل دخول بالوجه أخرى قيد التنفيذ.",
    FACE_DUPLICATION: "هذا الوجه مسجَّل بالفعل.",
    MINORS_NOT_ALLOWED: "تسجيل الدخول بالوجه غير متاح للقاصرين.",
  },
  signInButton: "سجّل الدخول بوجهك",
};

const tables: Record<Lang, Strings> = { en, es, fr, ar };

// resolveLang picks the language: the caller's locale when given (and not
// "auto"), else the browser's preferences in order. Only the primary subtag
// matters ("es-MX" is Spanish); anything unsupported falls back to English.
export function resolveLang(locale?: string): Lang {
  let wanted: readonly string[];
  if (locale && locale !== "auto") {
    wanted = [locale];
  } else {
    const nav = typeof navigator !== "undefined" ? navigator : undefined;
    wanted = (nav && nav.languages && nav.languages.length ? nav.languages : [nav ? nav.language : ""]) || [];
  }
  for (const tag of wanted) {
    const primary = String(tag || "").toLowerCase().split(/[-_]/)[0];
    if (Object.prototype.hasOwnProperty.call(tables, primary)) return primary as Lang;
  }
  return "en";
}

export function strings(lang: Lang): Strings {
  return tables[lang];
}

// Text direction of a language, for the dir attribute of the modal.
export function direction(lang: Lang): "ltr" | "rtl" {
  return lang === "ar" ? "rtl" : "ltr";
}
