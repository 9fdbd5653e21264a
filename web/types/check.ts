// Compile-time check that fio.d.ts (written by hand for developers) and the
// implementation agree. tsc -p web/tsconfig.json fails when they drift; no
// code here ever runs or ships.
import type Declared from "./fio";
import type { AuthenticateResult as DeclaredAuth, EnrollParams as DeclaredParams, EnrollResult as DeclaredEnroll, fioErrCode as DeclaredCodes } from "./fio";
import type { makeFaceIO, AuthenticateResult, EnrollResult, Params } from "../src/fio";
import type { fioErrCode } from "../src/errors";

type Impl = ReturnType<typeof makeFaceIO>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// The implementation can be used wherever the declared class is expected...
export const asDeclared = (c: Impl): typeof Declared => c;
// ...its results and codes are exactly the declared ones...
export const enrollSame: Same<EnrollResult, DeclaredEnroll> = true;
export const authSame: Same<AuthenticateResult, DeclaredAuth> = true;
export const codesSame: Same<typeof fioErrCode, DeclaredCodes> = true;
// ...and enroll's parameters (showAbortBtn included) are the declared ones.
// (All optional, so their names are compared too.)
export const paramsSame: Same<Params, DeclaredParams> = true;
export const paramNamesSame: Same<keyof Params, keyof DeclaredParams> = true;
// ...and the declared methods are all there.
export const methods = (d: Declared, i: InstanceType<Impl>): Record<keyof Declared, unknown> => ({
  enroll: [d.enroll, i.enroll],
  enrol: [d.enrol, i.enrol],
  register: [d.register, i.register],
  record: [d.record, i.record],
  authenticate: [d.authenticate, i.authenticate],
  auth: [d.auth, i.auth],
  recognize: [d.recognize, i.recognize],
  identify: [d.identify, i.identify],
  restartSession: [d.restartSession, i.restartSession],
  fetchAllErrorCodes: [d.fetchAllErrorCodes, i.fetchAllErrorCodes],
});
