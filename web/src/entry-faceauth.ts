// widget.js, FaceAuth's script-tag embed (see faceauth.ts). It must find its
// own tag now, while it runs for the first time.
import { installFaceAuth } from "./faceauth";

(window as unknown as { FaceAuth: unknown }).FaceAuth = installFaceAuth(document.currentScript as HTMLScriptElement | null);
