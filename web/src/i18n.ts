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
  | "turn_left"
  | "turn_right"
  | "nod_up"
  | "nod_down"
  | "hold"
  | "ok";

export interface Failure {
  title: string;
  text: string;
}

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
  // Which of the session's head movements is asked, e.g. "Movement 1 of 2".
  step: (i: number, n: number) => string;
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
  // Each failure's heading and what to do about it, shown together on the
  // failure screen; the text alone must still make sense (FaceAuth's
  // onError passes it on as the message). Keyed by the widget's names:
  // FORBIDDDEN_* (triple D) stands for FORBIDDEN_* too (errors.ts).
  // ABORTED_BY_USER is never on the failure screen (closing shows none).
  errors: Record<FioErrName, Failure>;
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
    turn_left: "Slowly turn your head to your left.",
    turn_right: "Slowly turn your head to your right.",
    nod_up: "Slowly raise your chin and look up.",
    nod_down: "Slowly lower your chin and look down.",
    hold: "Hold it there…",
    ok: "Great, keep looking at the camera.",
  },
  step: (i, n) => `Movement ${i} of ${n}`,
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
  errors: {
    PERMISSION_REFUSED: {
      title: "Camera access is needed",
      text: "Allow this site to use your camera: select the camera or lock icon in your browser's address bar, then try again.",
    },
    NO_FACES_DETECTED: {
      title: "No face found",
      text: "Place your face inside the oval, in good light, then try again.",
    },
    UNRECOGNIZED_FACE: {
      title: "We don't recognize you",
      text: "Your face isn't registered on this site. Enroll first, or try again in better light.",
    },
    MANY_FACES: {
      title: "More than one face",
      text: "Make sure only you are in front of the camera, then try again.",
    },
    PAD_ATTACK: {
      title: "We couldn't verify you're really there",
      text: "Use your real face, not a photo or a screen, in good light, then try again.",
    },
    FACE_MISMATCH: {
      title: "The face changed during the scan",
      text: "Only the same person should be in front of the camera during enrollment. Please try again.",
    },
    NETWORK_IO: {
      title: "No connection",
      text: "We couldn't reach the server. Check your internet connection and try again.",
    },
    WRONG_PIN_CODE: {
      title: "Too many wrong PINs",
      text: "The PIN was wrong three times. For your security, PIN sign-in is locked for 15 minutes.",
    },
    PROCESSING_ERR: {
      title: "Something went wrong",
      text: "The problem is on our side, not yours. Please try again in a moment.",
    },
    UNAUTHORIZED: {
      title: "Face sign-in isn't available here",
      text: "Face sign-in isn't set up correctly on this site. Please use another way to sign in.",
    },
    TERMS_NOT_ACCEPTED: {
      title: "Your consent is needed",
      text: "Face sign-in can't continue without your consent. Start again whenever you're ready.",
    },
    UI_NOT_READY: {
      title: "Face sign-in couldn't open",
      text: "Reload the page and try again.",
    },
    SESSION_EXPIRED: {
      title: "Session expired",
      text: "For your security, sessions end after a while. Please start again.",
    },
    TIMEOUT: {
      title: "Time ran out",
      text: "This took too long. Please try again, and follow the instructions on the screen.",
    },
    TOO_MANY_REQUESTS: {
      title: "Face sign-in is busy",
      text: "There are too many requests right now. Please wait a minute and try again.",
    },
    EMPTY_ORIGIN: {
      title: "Face sign-in isn't available here",
      text: "This page couldn't be verified. Please use another way to sign in.",
    },
    FORBIDDDEN_ORIGIN: {
      title: "Face sign-in isn't available here",
      text: "Face sign-in isn't enabled for this website. Please use another way to sign in.",
    },
    FORBIDDDEN_COUNTRY: {
      title: "Face sign-in isn't available here",
      text: "Face sign-in isn't offered in your region. Please use another way to sign in.",
    },
    UNIQUE_PIN_REQUIRED: {
      title: "That PIN is taken",
      text: "Please choose another PIN.",
    },
    SESSION_IN_PROGRESS: {
      title: "Already in progress",
      text: "Face sign-in is already open on this page. Finish that one first.",
    },
    FACE_DUPLICATION: {
      title: "You're already enrolled",
      text: "Your face is already registered on this site. Sign in instead.",
    },
    MINORS_NOT_ALLOWED: {
      title: "Face sign-in is for adults only",
      text: "This site has a minimum age for face sign-in. Please use another way to sign in.",
    },
    UPGRADE_REQUIRED: {
      title: "Face sign-in isn't available here",
      text: "This site's plan doesn't include this feature. Please use another way to sign in.",
    },
    ABORTED_BY_USER: {
      title: "Cancelled",
      text: "You closed face sign-in. Start again whenever you're ready.",
    },
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
    turn_left: "Gira la cabeza despacio hacia tu izquierda.",
    turn_right: "Gira la cabeza despacio hacia tu derecha.",
    nod_up: "Levanta la barbilla despacio y mira hacia arriba.",
    nod_down: "Baja la barbilla despacio y mira hacia abajo.",
    hold: "Mantén esa posición…",
    ok: "¡Muy bien! Sigue mirando a la cámara.",
  },
  step: (i, n) => `Movimiento ${i} de ${n}`,
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
  errors: {
    PERMISSION_REFUSED: {
      title: "Necesitamos acceso a la cámara",
      text: "Permite que este sitio use tu cámara: selecciona el icono de la cámara o del candado en la barra de direcciones e inténtalo de nuevo.",
    },
    NO_FACES_DETECTED: {
      title: "No se ha encontrado ninguna cara",
      text: "Coloca tu cara dentro del óvalo, con buena luz, e inténtalo de nuevo.",
    },
    UNRECOGNIZED_FACE: {
      title: "No te reconocemos",
      text: "Tu cara no está registrada en este sitio. Regístrate primero o inténtalo de nuevo con mejor luz.",
    },
    MANY_FACES: {
      title: "Hay más de una cara",
      text: "Asegúrate de que solo tú estés frente a la cámara e inténtalo de nuevo.",
    },
    PAD_ATTACK: {
      title: "No hemos podido comprobar que estés ahí",
      text: "Usa tu cara real, no una foto ni una pantalla, con buena luz, e inténtalo de nuevo.",
    },
    FACE_MISMATCH: {
      title: "La cara cambió durante el escaneo",
      text: "Durante el registro solo debe estar la misma persona frente a la cámara. Inténtalo de nuevo.",
    },
    NETWORK_IO: {
      title: "Sin conexión",
      text: "No hemos podido conectar con el servidor. Comprueba tu conexión a internet e inténtalo de nuevo.",
    },
    WRONG_PIN_CODE: {
      title: "Demasiados PIN incorrectos",
      text: "El PIN fue incorrecto tres veces. Por tu seguridad, el inicio de sesión con PIN queda bloqueado durante 15 minutos.",
    },
    PROCESSING_ERR: {
      title: "Algo salió mal",
      text: "El problema es nuestro, no tuyo. Inténtalo de nuevo en un momento.",
    },
    UNAUTHORIZED: {
      title: "El inicio de sesión facial no está disponible aquí",
      text: "El inicio de sesión facial no está bien configurado en este sitio. Usa otra forma de iniciar sesión.",
    },
    TERMS_NOT_ACCEPTED: {
      title: "Necesitamos tu consentimiento",
      text: "El inicio de sesión facial no puede continuar sin tu consentimiento. Vuelve a empezar cuando quieras.",
    },
    UI_NOT_READY: {
      title: "No se ha podido abrir el inicio de sesión facial",
      text: "Recarga la página e inténtalo de nuevo.",
    },
    SESSION_EXPIRED: {
      title: "La sesión ha caducado",
      text: "Por tu seguridad, las sesiones caducan al cabo de un tiempo. Vuelve a empezar.",
    },
    TIMEOUT: {
      title: "Se acabó el tiempo",
      text: "Ha tardado demasiado. Inténtalo de nuevo y sigue las instrucciones de la pantalla.",
    },
    TOO_MANY_REQUESTS: {
      title: "El servicio está ocupado",
      text: "Hay demasiadas solicitudes en este momento. Espera un minuto e inténtalo de nuevo.",
    },
    EMPTY_ORIGIN: {
      title: "El inicio de sesión facial no está disponible aquí",
      text: "No se ha podido verificar esta página. Usa otra forma de iniciar sesión.",
    },
    FORBIDDDEN_ORIGIN: {
      title: "El inicio de sesión facial no está disponible aquí",
      text: "El inicio de sesión facial no está habilitado para este sitio web. Usa otra forma de iniciar sesión.",
    },
    FORBIDDDEN_COUNTRY: {
      title: "El inicio de sesión facial no está disponible aquí",
      text: "El inicio de sesión facial no se ofrece en tu región. Usa otra forma de iniciar sesión.",
    },
    UNIQUE_PIN_REQUIRED: {
      title: "Ese PIN ya está en uso",
      text: "Elige otro PIN.",
    },
    SESSION_IN_PROGRESS: {
      title: "Ya hay uno en curso",
      text: "El inicio de sesión facial ya está abierto en esta página. Termina ese primero.",
    },
    FACE_DUPLICATION: {
      title: "Ya te has registrado",
      text: "Tu cara ya está registrada en este sitio. Inicia sesión directamente.",
    },
    MINORS_NOT_ALLOWED: {
      title: "Solo para mayores de edad",
      text: "Este sitio exige una edad mínima para el inicio de sesión facial. Usa otra forma de iniciar sesión.",
    },
    UPGRADE_REQUIRED: {
      title: "El inicio de sesión facial no está disponible aquí",
      text: "El plan de este sitio no incluye esta función. Usa otra forma de iniciar sesión.",
    },
    ABORTED_BY_USER: {
      title: "Cancelado",
      text: "Has cerrado el inicio de sesión facial. Vuelve a empezar cuando quieras.",
    },
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
    turn_left: "Tournez lentement la tête vers votre gauche.",
    turn_right: "Tournez lentement la tête vers votre droite.",
    nod_up: "Levez lentement le menton et regardez vers le haut.",
    nod_down: "Baissez lentement le menton et regardez vers le bas.",
    hold: "Restez ainsi…",
    ok: "Parfait, continuez à regarder la caméra.",
  },
  step: (i, n) => `Mouvement ${i} sur ${n}`,
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
  errors: {
    PERMISSION_REFUSED: {
      title: "Accès à la caméra nécessaire",
      text: "Autorisez ce site à utiliser votre caméra\u00a0: sélectionnez l'icône de caméra ou de cadenas dans la barre d'adresse, puis réessayez.",
    },
    NO_FACES_DETECTED: {
      title: "Aucun visage détecté",
      text: "Placez votre visage dans l'ovale, dans un endroit bien éclairé, puis réessayez.",
    },
    UNRECOGNIZED_FACE: {
      title: "Nous ne vous reconnaissons pas",
      text: "Votre visage n'est pas enregistré sur ce site. Inscrivez-vous d'abord, ou réessayez avec un meilleur éclairage.",
    },
    MANY_FACES: {
      title: "Plusieurs visages détectés",
      text: "Une seule personne doit se trouver devant la caméra. Réessayez.",
    },
    PAD_ATTACK: {
      title: "Nous n'avons pas pu vérifier votre présence",
      text: "Utilisez votre vrai visage, pas une photo ni un écran, dans un endroit bien éclairé, puis réessayez.",
    },
    FACE_MISMATCH: {
      title: "Le visage a changé pendant l'analyse",
      text: "Seule la même personne doit se trouver devant la caméra pendant l'inscription. Réessayez.",
    },
    NETWORK_IO: {
      title: "Pas de connexion",
      text: "Impossible de joindre le serveur. Vérifiez votre connexion Internet et réessayez.",
    },
    WRONG_PIN_CODE: {
      title: "Trop de codes PIN incorrects",
      text: "Le code PIN était incorrect trois fois. Pour votre sécurité, la connexion par code PIN est bloquée pendant 15\u00a0minutes.",
    },
    PROCESSING_ERR: {
      title: "Un problème est survenu",
      text: "Le problème vient de notre côté, pas du vôtre. Réessayez dans un instant.",
    },
    UNAUTHORIZED: {
      title: "Connexion par le visage indisponible ici",
      text: "La connexion par le visage n'est pas correctement configurée sur ce site. Utilisez un autre moyen de connexion.",
    },
    TERMS_NOT_ACCEPTED: {
      title: "Votre consentement est nécessaire",
      text: "La connexion par le visage ne peut pas continuer sans votre consentement. Recommencez quand vous le souhaitez.",
    },
    UI_NOT_READY: {
      title: "Impossible d'ouvrir la connexion par le visage",
      text: "Rechargez la page et réessayez.",
    },
    SESSION_EXPIRED: {
      title: "Session expirée",
      text: "Pour votre sécurité, les sessions expirent au bout d'un moment. Veuillez recommencer.",
    },
    TIMEOUT: {
      title: "Délai dépassé",
      text: "Cela a pris trop de temps. Réessayez en suivant les instructions à l'écran.",
    },
    TOO_MANY_REQUESTS: {
      title: "Service très sollicité",
      text: "Il y a trop de demandes en ce moment. Patientez une minute, puis réessayez.",
    },
    EMPTY_ORIGIN: {
      title: "Connexion par le visage indisponible ici",
      text: "Cette page n'a pas pu être vérifiée. Utilisez un autre moyen de connexion.",
    },
    FORBIDDDEN_ORIGIN: {
      title: "Connexion par le visage indisponible ici",
      text: "La connexion par le visage n'est pas activée pour ce site. Utilisez un autre moyen de connexion.",
    },
    FORBIDDDEN_COUNTRY: {
      title: "Connexion par le visage indisponible ici",
      text: "La connexion par le visage n'est pas proposée dans votre région. Utilisez un autre moyen de connexion.",
    },
    UNIQUE_PIN_REQUIRED: {
      title: "Code PIN déjà utilisé",
      text: "Choisissez un autre code PIN.",
    },
    SESSION_IN_PROGRESS: {
      title: "Déjà en cours",
      text: "La connexion par le visage est déjà ouverte sur cette page. Terminez-la d'abord.",
    },
    FACE_DUPLICATION: {
      title: "Votre visage est déjà enregistré",
      text: "Inutile de vous réinscrire\u00a0: connectez-vous directement.",
    },
    MINORS_NOT_ALLOWED: {
      title: "Réservé aux personnes majeures",
      text: "Ce site exige un âge minimum pour la connexion par le visage. Utilisez un autre moyen de connexion.",
    },
    UPGRADE_REQUIRED: {
      title: "Connexion par le visage indisponible ici",
      text: "L'offre de ce site n'inclut pas cette fonction. Utilisez un autre moyen de connexion.",
    },
    ABORTED_BY_USER: {
      title: "Annulé",
      text: "Vous avez fermé la connexion par le visage. Recommencez quand vous voulez.",
    },
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
    turn_left: "أدِر رأسك ببطء إلى يسارك.",
    turn_right: "أدِر رأسك ببطء إلى يمينك.",
    nod_up: "ارفع ذقنك ببطء وانظر إلى الأعلى.",
    nod_down: "اخفض ذقنك ببطء وانظر إلى الأسفل.",
    hold: "ابقَ على هذا الوضع…",
    ok: "رائع، استمر في النظر إلى الكاميرا.",
  },
  step: (i, n) => `الحركة ${i} من ${n}`,
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
  errors: {
    PERMISSION_REFUSED: {
      title: "يلزم الوصول إلى الكاميرا",
      text: "اسمح لهذا الموقع باستخدام الكاميرا: اختر رمز الكاميرا أو القفل في شريط عنوان المتصفح، ثم حاول مرة أخرى.",
    },
    NO_FACES_DETECTED: {
      title: "لم يتم العثور على وجه",
      text: "ضع وجهك داخل الشكل البيضاوي في إضاءة جيدة، ثم حاول مرة أخرى.",
    },
    UNRECOGNIZED_FACE: {
      title: "لم نتعرّف عليك",
      text: "وجهك غير مسجَّل في هذا الموقع. سجّل أولًا، أو حاول مرة أخرى في إضاءة أفضل.",
    },
    MANY_FACES: {
      title: "ظهر أكثر من وجه",
      text: "تأكد من أنك وحدك أمام الكاميرا، ثم حاول مرة أخرى.",
    },
    PAD_ATTACK: {
      title: "لم نتمكن من التحقق من وجودك فعلًا",
      text: "استخدم وجهك الحقيقي، لا صورة ولا شاشة، في إضاءة جيدة، ثم حاول مرة أخرى.",
    },
    FACE_MISMATCH: {
      title: "تغيّر الوجه أثناء المسح",
      text: "يجب أن يبقى الشخص نفسه أمام الكاميرا طوال التسجيل. حاول مرة أخرى.",
    },
    NETWORK_IO: {
      title: "لا يوجد اتصال",
      text: "تعذّر الاتصال بالخادم. تحقق من اتصالك بالإنترنت وحاول مرة أخرى.",
    },
    WRONG_PIN_CODE: {
      title: "رمز PIN غير صحيح مرات كثيرة",
      text: "أُدخل رمز PIN غير صحيح ثلاث مرات. حفاظًا على أمانك، قُفل تسجيل الدخول برمز PIN لمدة 15 دقيقة.",
    },
    PROCESSING_ERR: {
      title: "حدث خطأ ما",
      text: "المشكلة من جهتنا وليست منك. يُرجى المحاولة مرة أخرى بعد قليل.",
    },
    UNAUTHORIZED: {
      title: "تسجيل الدخول بالوجه غير متاح هنا",
      text: "تسجيل الدخول بالوجه غير مُعدّ بشكل صحيح في هذا الموقع. يُرجى استخدام طريقة أخرى لتسجيل الدخول.",
    },
    TERMS_NOT_ACCEPTED: {
      title: "موافقتك مطلوبة",
      text: "لا يمكن متابعة تسجيل الدخول بالوجه دون موافقتك. ابدأ من جديد متى كنت مستعدًا.",
    },
    UI_NOT_READY: {
      title: "تعذّر فتح تسجيل الدخول بالوجه",
      text: "أعد تحميل الصفحة وحاول مرة أخرى.",
    },
    SESSION_EXPIRED: {
      title: "انتهت صلاحية الجلسة",
      text: "حفاظًا على أمانك، تنتهي الجلسات بعد مدة. يُرجى البدء من جديد.",
    },
    TIMEOUT: {
      title: "انتهى الوقت",
      text: "استغرق الأمر وقتًا طويلًا. حاول مرة أخرى واتبع التعليمات التي تظهر على الشاشة.",
    },
    TOO_MANY_REQUESTS: {
      title: "الخدمة مشغولة",
      text: "هناك طلبات كثيرة حاليًا. انتظر دقيقة ثم حاول مرة أخرى.",
    },
    EMPTY_ORIGIN: {
      title: "تسجيل الدخول بالوجه غير متاح هنا",
      text: "تعذّر التحقق من هذه الصفحة. يُرجى استخدام طريقة أخرى لتسجيل الدخول.",
    },
    FORBIDDDEN_ORIGIN: {
      title: "تسجيل الدخول بالوجه غير متاح هنا",
      text: "تسجيل الدخول بالوجه غير مفعّل لهذا الموقع. يُرجى استخدام طريقة أخرى لتسجيل الدخول.",
    },
    FORBIDDDEN_COUNTRY: {
      title: "تسجيل الدخول بالوجه غير متاح هنا",
      text: "تسجيل الدخول بالوجه غير متاح في منطقتك. يُرجى استخدام طريقة أخرى لتسجيل الدخول.",
    },
    UNIQUE_PIN_REQUIRED: {
      title: "رمز PIN مستخدم بالفعل",
      text: "يُرجى اختيار رمز آخر.",
    },
    SESSION_IN_PROGRESS: {
      title: "هناك عملية جارية بالفعل",
      text: "تسجيل الدخول بالوجه مفتوح بالفعل في هذه الصفحة. أكمله أولًا.",
    },
    FACE_DUPLICATION: {
      title: "أنت مسجَّل بالفعل",
      text: "وجهك مسجَّل بالفعل في هذا الموقع. سجّل الدخول بدلًا من ذلك.",
    },
    MINORS_NOT_ALLOWED: {
      title: "متاح للبالغين فقط",
      text: "يشترط هذا الموقع حدًا أدنى للعمر لاستخدام تسجيل الدخول بالوجه. يُرجى استخدام طريقة أخرى لتسجيل الدخول.",
    },
    UPGRADE_REQUIRED: {
      title: "تسجيل الدخول بالوجه غير متاح هنا",
      text: "لا تتضمن خطة هذا الموقع هذه الميزة. يُرجى استخدام طريقة أخرى لتسجيل الدخول.",
    },
    ABORTED_BY_USER: {
      title: "تم الإلغاء",
      text: "لقد أغلقت تسجيل الدخول بالوجه. ابدأ من جديد متى شئت.",
    },
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
