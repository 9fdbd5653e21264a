// The camera: asking for it, waiting for its first picture, and turning the
// current picture into a JPEG for the server.
import { Aborted } from "./api";
import { FlowError } from "./errors";

// openCamera asks for the front camera. Every way of not getting a picture
// is PERMISSION_REFUSED, as in fio.js: a refusal, no camera at all, a camera
// busy in another app, an insecure (http) page, or nobody answering the
// browser's prompt within timeoutMs. A stream that arrives after we gave up
// is stopped at once, so the camera light never stays on for nothing.
export function openCamera(timeoutMs: number, signal: AbortSignal): Promise<MediaStream> {
  const md = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
  if (!md || typeof md.getUserMedia !== "function") {
    console.error("visage: no camera API here (the page must be served over https or from localhost)");
    return Promise.reject(new FlowError("PERMISSION_REFUSED", "getUserMedia is not available"));
  }
  return new Promise<MediaStream>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      fn();
      return true;
    };
    const onAbort = () => finish(() => reject(new Aborted()));
    const timer = setTimeout(
      () => finish(() => reject(new FlowError("PERMISSION_REFUSED", "no answer to the camera permission prompt in time"))),
      timeoutMs,
    );
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort);

    md.getUserMedia({ video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false }).then(
      (stream) => {
        if (!finish(() => resolve(stream))) stopStream(stream);
      },
      (err: unknown) => {
        const name = err instanceof Error ? err.name : "";
        finish(() => reject(new FlowError("PERMISSION_REFUSED", `camera unavailable (${name || String(err)})`)));
      },
    );
  });
}

export function stopStream(stream: MediaStream | null | undefined): void {
  if (!stream) return;
  for (const track of stream.getTracks()) track.stop();
}

// startVideo plays the stream in the element and waits for a first frame
// (a canvas can't draw a video that has no size yet). A camera that never
// delivers a picture counts as no camera.
export function startVideo(video: HTMLVideoElement, stream: MediaStream, timeoutMs: number, signal: AbortSignal): Promise<void> {
  video.srcObject = stream;
  const playing = video.play();
  if (playing) playing.catch(() => {}); // muted + playsinline: autoplay is allowed; readiness is checked below
  return new Promise<void>((resolve, reject) => {
    const ready = () => video.readyState >= 2 && video.videoWidth > 0;
    const done = (err?: Error) => {
      clearTimeout(timer);
      video.removeEventListener("loadeddata", check);
      video.removeEventListener("resize", check);
      signal.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (ready()) done();
    };
    const onAbort = () => done(new Aborted());
    const timer = setTimeout(() => done(new FlowError("PERMISSION_REFUSED", "the camera delivered no picture")), timeoutMs);
    video.addEventListener("loadeddata", check);
    video.addEventListener("resize", check);
    signal.addEventListener("abort", onAbort);
    if (signal.aborted) onAbort();
    else check();
  });
}

// The largest frame we send: enough for the server's face detector, and a
// JPEG of it stays well under 100 kB.
const MAX_WIDTH = 640;

// Frames is the camera-to-JPEG step. The video is shown mirrored (people
// expect a mirror) but drawn here as the camera sees it: the server's face
// boxes and turn directions are about the real, unmirrored picture.
export class Frames {
  private readonly canvas = document.createElement("canvas");

  constructor(private readonly video: HTMLVideoElement) {}

  grab(): Promise<Blob> {
    const vw = this.video.videoWidth;
    const vh = this.video.videoHeight;
    if (!vw || !vh) return Promise.reject(new FlowError("PERMISSION_REFUSED", "the camera stopped delivering pictures"));
    const w = Math.min(MAX_WIDTH, vw);
    const h = Math.round((w * vh) / vw);
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return Promise.reject(new FlowError("PROCESSING_ERR", "no 2D canvas"));
    ctx.drawImage(this.video, 0, 0, w, h);
    return new Promise<Blob>((resolve, reject) => {
      this.canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new FlowError("PROCESSING_ERR", "could not encode the frame as JPEG"))),
        "image/jpeg",
        0.85,
      );
    });
  }
}
