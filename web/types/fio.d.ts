// Type declarations for Visage's fio.mjs (and, as the global faceIO, fio.js):
//
//   import faceIO from "https://visage.example.com/fio.mjs";
//   const fio = new faceIO("your-app-public-id");
//   const user = await fio.enroll({ payload: { email: "a@example.com" } });
//
// The API is FACEIO's fio.js: same class name, methods and aliases,
// parameters and defaults, and promises that reject with the numeric codes
// of fioErrCode.

/**
 * Error codes, numbered as FACEIO's fio.js numbers them. 17 and 18 have two
 * names each: FORBIDDDEN_* (triple D, as FACEIO's fio.js pages spell them)
 * and FORBIDDEN_* (as the @faceio/fiojs 3 package spells them).
 */
export interface fioErrCode {
  readonly PERMISSION_REFUSED: 1;
  readonly NO_FACES_DETECTED: 2;
  readonly UNRECOGNIZED_FACE: 3;
  readonly MANY_FACES: 4;
  readonly PAD_ATTACK: 5;
  readonly FACE_MISMATCH: 6;
  readonly NETWORK_IO: 7;
  readonly WRONG_PIN_CODE: 8;
  readonly PROCESSING_ERR: 9;
  readonly UNAUTHORIZED: 10;
  readonly TERMS_NOT_ACCEPTED: 11;
  readonly UI_NOT_READY: 12;
  readonly SESSION_EXPIRED: 13;
  readonly TIMEOUT: 14;
  readonly TOO_MANY_REQUESTS: 15;
  readonly EMPTY_ORIGIN: 16;
  readonly FORBIDDDEN_ORIGIN: 17;
  readonly FORBIDDEN_ORIGIN: 17;
  readonly FORBIDDDEN_COUNTRY: 18;
  readonly FORBIDDEN_COUNTRY: 18;
  readonly UNIQUE_PIN_REQUIRED: 19;
  readonly SESSION_IN_PROGRESS: 20;
  readonly FACE_DUPLICATION: 21;
  readonly MINORS_NOT_ALLOWED: 22;
  /** Never raised by Visage today; listed for code written against fio.js 3. */
  readonly UPGRADE_REQUIRED: 23;
  /** enroll({showAbortBtn: true}) when the person closes the dialog. */
  readonly ABORTED_BY_USER: 24;
}

/** The name of an error code, e.g. "PERMISSION_REFUSED". */
export type FioErrName = keyof fioErrCode;

/** What enroll() and authenticate() reject with: one of fioErrCode's numbers. */
export type FioErrNumber = fioErrCode[FioErrName];

export interface FaceIOOptions {
  /** The Visage server, e.g. "https://visage.example.com". Defaults to the origin the script was loaded from. */
  host?: string;
}

/** Parameters shared by enroll() and authenticate(). */
export interface CommonParams {
  /** Seconds to wait for the camera permission before PERMISSION_REFUSED. Default 27. */
  permissionTimeout?: number;
  /** Seconds without a face in view before NO_FACES_DETECTED. Default 27. */
  idleTimeout?: number;
  /** Seconds to wait for each server reply before TIMEOUT. Default 40. */
  replyTimeout?: number;
  /** "auto" (the browser's languages, the default) or a BCP 47 code. en, es, fr and ar are supported; others fall back to en. */
  locale?: string;
}

export interface EnrollParams extends CommonParams {
  /** Any JSON value (at most 16 kB serialized) stored with the face and returned by authenticate(). */
  payload?: unknown;
  /** MINUTES to wait for the person to accept the consent screen before TERMS_NOT_ACCEPTED. Default 10. */
  termsTimeout?: number;
  /** Seconds before the instructions screen goes on by itself. Default 12. */
  enrollIntroTimeout?: number;
  /** true when your page already obtained the person's consent: the consent screen is skipped. Default false. */
  userConsent?: boolean;
  /**
   * true: closing the dialog (its close button or Escape), on any screen, rejects with
   * ABORTED_BY_USER instead of the screen's own code (TERMS_NOT_ACCEPTED, PERMISSION_REFUSED,
   * SESSION_EXPIRED). The close button is always shown. Default false.
   */
  showAbortBtn?: boolean;
}

export type AuthenticateParams = CommonParams;

export interface EnrollResult {
  /** The new person's identifier: store it with your user. */
  facialId: string;
  /** When the enrollment happened (ISO 8601). */
  timestamp: string;
  details: {
    gender: string;
    age: number;
  };
}

export interface AuthenticateResult {
  /** The payload given to enroll(). */
  payload: unknown;
  facialId: string;
}

export default class faceIO {
  /** @param publicId your application's public ID (safe to put in a web page). */
  constructor(publicId: string, options?: FaceIOOptions);

  /**
   * Enrolls the person in front of the camera. Rejects with a fioErrCode number;
   * SESSION_IN_PROGRESS when another operation of this instance is running.
   */
  enroll(params?: EnrollParams): Promise<EnrollResult>;
  /** Alias of enroll(). */
  enrol(params?: EnrollParams): Promise<EnrollResult>;
  /** Alias of enroll(). */
  register(params?: EnrollParams): Promise<EnrollResult>;
  /** Alias of enroll(). */
  record(params?: EnrollParams): Promise<EnrollResult>;

  /** Recognizes a previously enrolled person. Rejects with a fioErrCode number. */
  authenticate(params?: AuthenticateParams): Promise<AuthenticateResult>;
  /** Alias of authenticate(). */
  auth(params?: AuthenticateParams): Promise<AuthenticateResult>;
  /** Alias of authenticate(). */
  recognize(params?: AuthenticateParams): Promise<AuthenticateResult>;
  /** Alias of authenticate(). */
  identify(params?: AuthenticateParams): Promise<AuthenticateResult>;

  /**
   * Ends the running operation, if any (its promise rejects with SESSION_EXPIRED),
   * so that a new one can start. Resolves true.
   */
  restartSession(params?: object): Promise<boolean>;

  /** The table of error codes, name to number. */
  fetchAllErrorCodes(): fioErrCode;
}
