// Error codes, numbered exactly as FACEIO's fio.js numbers them, so that a
// page written for fio.js handles our rejections unchanged.
//
// Two spellings of 17 and 18: the fio.js of FACEIO's older pages spells
// them FORBIDDDEN_* (triple D), its npm package @faceio/fiojs 3 spells
// them FORBIDDEN_*. fetchAllErrorCodes() gives both, with the same
// numbers, so a page written against either finds its name. Inside the
// widget (the server's error answers, the screens, the i18n tables,
// data-code, FaceAuth's error.code) the one spelling is the server's,
// FORBIDDDEN_*: a FORBIDDEN_* arriving from anywhere is read as it
// (errName). The triple-D names come first, so that looking a number's
// name up by value finds them.
export const fioErrCode = {
  PERMISSION_REFUSED: 1,
  NO_FACES_DETECTED: 2,
  UNRECOGNIZED_FACE: 3,
  MANY_FACES: 4,
  PAD_ATTACK: 5,
  FACE_MISMATCH: 6,
  NETWORK_IO: 7,
  WRONG_PIN_CODE: 8,
  PROCESSING_ERR: 9,
  UNAUTHORIZED: 10,
  TERMS_NOT_ACCEPTED: 11,
  UI_NOT_READY: 12,
  SESSION_EXPIRED: 13,
  TIMEOUT: 14,
  TOO_MANY_REQUESTS: 15,
  EMPTY_ORIGIN: 16,
  FORBIDDDEN_ORIGIN: 17,
  FORBIDDEN_ORIGIN: 17,
  FORBIDDDEN_COUNTRY: 18,
  FORBIDDEN_COUNTRY: 18,
  UNIQUE_PIN_REQUIRED: 19,
  SESSION_IN_PROGRESS: 20,
  FACE_DUPLICATION: 21,
  MINORS_NOT_ALLOWED: 22,
  UPGRADE_REQUIRED: 23,
  ABORTED_BY_USER: 24,
} as const;

// The second spellings, and the names they stand for.
const aliases = {
  FORBIDDEN_ORIGIN: "FORBIDDDEN_ORIGIN",
  FORBIDDEN_COUNTRY: "FORBIDDDEN_COUNTRY",
} as const;

type FioErrAlias = keyof typeof aliases;

// FioErrName is a code as the widget carries it: one name per number.
export type FioErrName = Exclude<keyof typeof fioErrCode, FioErrAlias>;

// errName reads a code name from a server (or anywhere else): the
// widget's name for it, the second spellings included, or undefined for
// anything it doesn't know.
export function errName(name: unknown): FioErrName | undefined {
  if (typeof name !== "string") return undefined;
  if (Object.prototype.hasOwnProperty.call(aliases, name)) return aliases[name as FioErrAlias];
  if (Object.prototype.hasOwnProperty.call(fioErrCode, name)) return name as FioErrName;
  return undefined;
}

// FlowError is how every failure travels inside the widget: a code name and,
// when the server gave one, its message and the details a retry needs. Only
// at the public edge is it turned into fio.js's bare number.
export class FlowError extends Error {
  readonly code: FioErrName;
  // The next nonce, when the server's error leaves the session usable.
  readonly nonce?: string;
  // Remaining PIN attempts, on WRONG_PIN_CODE.
  readonly triesLeft?: number;
  // True when the message came from the server (worth showing a developer).
  readonly fromServer: boolean;

  constructor(code: FioErrName, message?: string, extra?: { nonce?: string; triesLeft?: number; fromServer?: boolean }) {
    super(message || code);
    this.name = "FlowError";
    this.code = code;
    this.nonce = extra && extra.nonce;
    this.triesLeft = extra && extra.triesLeft;
    this.fromServer = !!(extra && extra.fromServer);
  }
}

// asFlowError makes any thrown value a FlowError: a bug in our own code must
// still end the operation with a code, never leave a promise hanging.
export function asFlowError(err: unknown): FlowError {
  if (err instanceof FlowError) return err;
  console.error("visage: unexpected error", err);
  return new FlowError("PROCESSING_ERR", String(err));
}
