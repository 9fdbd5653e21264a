// fio.mjs, the ES module: import faceIO from "HOST/fio.mjs". Its default
// server is the origin the module was loaded from.
import { makeFaceIO } from "./fio";

const faceIO = makeFaceIO(new URL(import.meta.url).origin);
export default faceIO;
