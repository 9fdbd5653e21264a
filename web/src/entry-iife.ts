// fio.js, the classic script: <script src="HOST/fio.js"></script> defines
// the global faceIO, as FACEIO's fio.js does. Its default server is where
// the script came from, read now: document.currentScript is only set while
// the script first runs.
import { makeFaceIO } from "./fio";

const script = document.currentScript as HTMLScriptElement | null;
const host = script && script.src ? new URL(script.src, location.href).origin : location.origin;

(window as unknown as { faceIO: unknown }).faceIO = makeFaceIO(host);
