// Error codes, numbered exactly as FACEIO's fio.js numbers them, so that a
// page written for fio.js handles our rejections unchanged. The triple D in
// FORBIDDDEN_* is fio.js's own spelling; keep it.
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
  FORBIDDDEN_COUNTRY: 18,
  UNIQUE_PIN_REQUIRED: 19,
  SESSION_IN_PROGRESS: 20,
  FACE_DUPLICATION: 21,
  MINORS_NOT_ALLOWED: 22,
} as const;

export type FioErrName = keyof typeof fioErrCode;

// isErrName tells a known code name from anything else a server might send.
export function isErrName(name: unknown): name is FioErrName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(fioErrCode, name);
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
