// Inline SVG icons (no image files, no icon font), stroked with
// currentColor so the CSS picks their color. Hidden from screen readers:
// the text next to each says the same.
import { s } from "./dom";

function icon(size: number, paths: string[], strokeWidth = "2"): SVGElement {
  return s(
    "svg",
    {
      viewBox: "0 0 24 24",
      width: String(size),
      height: String(size),
      fill: "none",
      stroke: "currentColor",
      "stroke-width": strokeWidth,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
      "aria-hidden": "true",
      focusable: "false",
    },
    ...paths.map((d) => s("path", { d })),
  );
}

export const closeIcon = () => icon(20, ["M6 6l12 12M18 6L6 18"]);
export const faceIcon = (size = 20) =>
  icon(size, [
    "M4 8V6a2 2 0 0 1 2-2h2M16 4h2a2 2 0 0 1 2 2v2M20 16v2a2 2 0 0 1-2 2h-2M8 20H6a2 2 0 0 1-2-2v-2",
    "M9 10h.01M15 10h.01M9.5 15a3.5 3.5 0 0 0 5 0",
  ]);
export const cameraIcon = () =>
  icon(30, [
    "M3 8a2 2 0 0 1 2-2h2l2-2h6l2 2h2a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z",
    "M8.5 13a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0-7 0",
  ]);
export const shieldIcon = () => icon(30, ["M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z", "M9 12l2 2 4-4"]);
export const lightIcon = () =>
  icon(30, [
    "M8 12a4 4 0 1 0 8 0a4 4 0 1 0-8 0",
    "M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4",
  ]);
export const checkIcon = () => icon(34, ["M5 12.5l4.5 4.5L19 7.5"], "2.5");
export const alertIcon = () => icon(34, ["M12 7v6M12 17h.01"], "2.5");
// The failure screen's pictures, one per kind of trouble.
export const cameraOffIcon = () =>
  icon(30, [
    "M3 3l18 18",
    "M9.5 4h5l2 2h2a2 2 0 0 1 2 2v8.5M19 20H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h1",
    "M9.4 10.4a3.5 3.5 0 0 0 4.2 4.2",
  ]);
export const lockIcon = () => icon(30, ["M6 11h12a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-8a1 1 0 0 1 1-1z", "M8 11V7a4 4 0 0 1 8 0v4", "M12 15v2"]);
export const clockIcon = () => icon(30, ["M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0", "M12 7v5l3 2"]);
export const wifiOffIcon = () =>
  icon(30, ["M3 3l18 18", "M8.5 16.5a5 5 0 0 1 7 0M5 13a10 10 0 0 1 5-2.7M19 13a10 10 0 0 0-2.6-1.8M2 9.5a15 15 0 0 1 4.4-2.8M22 9.5A15 15 0 0 0 11 5.1", "M12 20h.01"]);
export const blockedIcon = () => icon(30, ["M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0", "M5.7 5.7l12.6 12.6"]);
// A small alert in a circle, for the PIN pad's messages.
export const noticeIcon = () => icon(18, ["M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0", "M12 8v4.5M12 16h.01"]);
export const backspaceIcon = () => icon(22, ["M21 5H9l-6 7 6 7h12z", "M13 10l4 4M17 10l-4 4"]);

// The scan overlay: the picture dimmed outside a face-shaped hole, and the
// oval's outline on top (class "oval", colored by CSS). The 400x300 viewBox
// is the 4:3 stage, so the oval keeps its shape.
// moveCue is the animated arrow over the video that shows which way to
// move the head: three chevrons drifting in that direction. The CSS turns
// it to the direction in the stage's data-move (the video is mirrored, so
// the person's left is the screen's left) and hides it otherwise.
export function moveCue(): SVGElement {
  const chevron = (x: number) => s("path", { d: `M${x} 120l30 30-30 30` });
  return s(
    "svg",
    { class: "cue", viewBox: "0 0 400 300", preserveAspectRatio: "xMidYMid slice", "aria-hidden": "true", focusable: "false" },
    s("g", { class: "cue-dir" }, s("g", { class: "cue-drift" }, chevron(300), chevron(325), chevron(350))),
  );
}

export function ovalOverlay(): SVGElement {
  const hole = "M115 150a85 112 0 1 0 170 0a85 112 0 1 0-170 0Z";
  return s(
    "svg",
    { viewBox: "0 0 400 300", preserveAspectRatio: "xMidYMid slice", "aria-hidden": "true", focusable: "false" },
    s("path", { fill: "rgba(15,23,42,0.45)", "fill-rule": "evenodd", d: "M0 0H400V300H0Z " + hole }),
    s("ellipse", { class: "oval", cx: "200", cy: "150", rx: "85", ry: "112" }),
  );
}
