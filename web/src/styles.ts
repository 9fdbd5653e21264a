// The modal's whole stylesheet. It lives inside the shadow root, so the
// page's CSS can't reach in and ours can't leak out. System fonts only: the
// widget loads nothing from anywhere else.
export const ACCENT = "#2563eb";

export const css = `
:host { all: initial; }
*, *::before, *::after { box-sizing: border-box; }
.backdrop {
  position: fixed; inset: 0; z-index: 2147483647;
  display: flex; align-items: center; justify-content: center;
  padding: 16px; background: rgba(15, 23, 42, 0.55);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Noto Sans Arabic", Tahoma, sans-serif;
  font-size: 16px; line-height: 1.5; color: #0f172a;
  -webkit-text-size-adjust: 100%; text-size-adjust: 100%;
}
.card {
  width: 100%; max-width: 420px; max-height: 100%; overflow: auto;
  display: flex; flex-direction: column;
  background: #fff; border-radius: 16px;
  box-shadow: 0 24px 60px rgba(15, 23, 42, 0.35);
}
.head {
  display: flex; align-items: center; gap: 8px;
  padding-block: 10px; padding-inline: 20px 8px;
  border-bottom: 1px solid #e2e8f0;
}
.head h2 {
  flex: 1; margin: 0; display: flex; align-items: center; gap: 8px;
  font-size: 16px; font-weight: 600; line-height: 1.3; text-wrap: balance;
}
.head h2 svg { color: ${ACCENT}; flex: none; }
.x {
  flex: none; width: 44px; height: 44px; display: grid; place-items: center;
  border: 0; border-radius: 10px; background: transparent; color: #475569; cursor: pointer;
}
.x:hover { background: #f1f5f9; color: #0f172a; }
.body { padding: 20px; }
.foot { padding: 0 20px 14px; text-align: center; font-size: 12px; color: #64748b; }
.foot { padding-bottom: max(14px, env(safe-area-inset-bottom)); }
.screen { display: flex; flex-direction: column; gap: 14px; text-align: center; overflow-wrap: break-word; }
h3 { margin: 0; font-size: 21px; font-weight: 650; line-height: 1.3; color: #0f172a; text-wrap: balance; }
h3:focus { outline: none; }
p { margin: 0; font-size: 16px; color: #334155; text-wrap: pretty; }
/* A heading sits close to its explanation. */
.screen > h3 + p { margin-top: -6px; }
/* The same on the failure screen, where the two are read out as one alert. */
.why { display: flex; flex-direction: column; gap: 8px; }
.note { font-size: 14px; color: #64748b; }
.icon {
  width: 64px; height: 64px; margin: 4px auto 0; border-radius: 50%;
  display: grid; place-items: center; background: #eff6ff; color: ${ACCENT};
}
.icon.good { background: #dcfce7; color: #16a34a; }
.icon.bad { background: #fee2e2; color: #dc2626; }
.icon.warn { background: #fef3c7; color: #b45309; }
.icon.muted { background: #f1f5f9; color: #475569; }
.actions { display: flex; gap: 10px; margin-top: 6px; }
.actions > .btn { flex: 1; }
.btn {
  min-height: 48px; padding: 10px 16px; border-radius: 10px; cursor: pointer;
  font: inherit; font-size: 16px; font-weight: 600; border: 1px solid transparent;
}
.primary { background: ${ACCENT}; color: #fff; }
.primary:hover { background: #1d4ed8; }
.secondary { background: #fff; color: #0f172a; border-color: #cbd5e1; }
.secondary:hover { background: #f8fafc; }
button:focus-visible, input:focus-visible, .x:focus-visible {
  outline: 3px solid ${ACCENT}; outline-offset: 2px;
}
.stage {
  position: relative; width: 100%; padding-top: 75%;
  border-radius: 12px; overflow: hidden; background: #0f172a;
}
.stage video, .stage svg { position: absolute; inset: 0; width: 100%; height: 100%; }
.stage video { object-fit: cover; transform: scaleX(-1); }
.oval { fill: none; stroke: #e2e8f0; stroke-width: 4; transition: stroke 0.2s; }
.stage.good .oval { stroke: #22c55e; }
.cue { display: none; }
.cue path { fill: none; stroke: #fff; stroke-width: 10; stroke-linecap: round; stroke-linejoin: round; }
.cue path:nth-child(1) { opacity: 0.45; }
.cue path:nth-child(2) { opacity: 0.7; }
.stage[data-move] .cue { display: block; }
.cue-dir { transform-origin: 200px 150px; }
.stage[data-move="turn_left"] .cue-dir { transform: rotate(180deg); }
.stage[data-move="nod_up"] .cue-dir { transform: rotate(-90deg) scale(0.8); }
.stage[data-move="nod_down"] .cue-dir { transform: rotate(90deg) scale(0.8); }
.cue-drift { animation: drift 1.2s ease-in-out infinite; }
@keyframes drift { from { transform: translateX(-24px); opacity: 0.2; } 60% { opacity: 1; } to { transform: translateX(12px); opacity: 0.2; } }
.step { margin: 0; text-align: center; font-size: 14px; font-weight: 600; color: #475569; min-height: 1.4em; }
/* Room for two lines, so the picture doesn't jump as the sentence changes;
   a one-line sentence sits in the middle of it. */
.guidance {
  min-height: 2.8em; display: flex; align-items: center; justify-content: center;
  font-size: 19px; font-weight: 600; color: #0f172a; line-height: 1.4; text-wrap: balance;
}
.bar { height: 8px; border-radius: 999px; background: #e2e8f0; overflow: hidden; }
.bar > div { height: 100%; width: 0; background: ${ACCENT}; border-radius: 999px; transition: width 0.3s ease; }
.spinner {
  width: 52px; height: 52px; margin: 12px auto 4px; border-radius: 50%;
  border: 5px solid #dbeafe; border-top-color: ${ACCENT};
  animation: spin 0.9s linear infinite;
}
@keyframes spin { to { transform: rotate(360deg); } }
.pin-field { display: flex; flex-direction: column; }
/* The PIN shows as dots, spaced apart; the start padding makes up for the
   spacing after the last dot, so the row stays centered. */
.pin-input {
  width: 100%; height: 56px; padding-block: 0; padding-inline: calc(12px + 0.4em) 12px;
  direction: ltr; text-align: center;
  font: inherit; font-size: 24px; line-height: 1; letter-spacing: 0.4em;
  -webkit-text-security: disc;
  border: 2px solid #cbd5e1; border-radius: 10px; color: #0f172a; background: #fff;
  outline: none; transition: border-color 0.15s, box-shadow 0.15s;
}
.pin-input:focus, .pin-input:focus-visible { outline: none; border-color: ${ACCENT}; box-shadow: 0 0 0 3px #bfdbfe; }
.pin-field:has(.msg:not(:empty)) .pin-input { border-color: #dc2626; }
.pin-field:has(.msg:not(:empty)) .pin-input:focus { box-shadow: 0 0 0 3px #fecaca; }
/* The PIN pad's message takes no room until there is one. */
.msg:empty { display: block; height: 0; }
.msg:not(:empty) {
  margin-top: 10px; padding: 8px 12px; border-radius: 10px;
  background: #fef2f2; color: #b91c1c; font-size: 15px; font-weight: 600; line-height: 1.4;
}
.msg svg { display: inline-block; vertical-align: -3px; margin-inline-end: 6px; }
.keys { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; direction: ltr; }
.key {
  min-height: 52px; display: grid; place-items: center; cursor: pointer;
  font: inherit; font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums;
  border: 1px solid #e2e8f0; border-radius: 10px; background: #f8fafc; color: #0f172a;
}
.key:hover { background: #f1f5f9; }
.key.ok { background: ${ACCENT}; border-color: ${ACCENT}; color: #fff; font-size: 17px; }
.key.ok:hover { background: #1d4ed8; }
.sr-only {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}
@media (max-width: 480px) {
  .backdrop { padding: 0; align-items: flex-end; }
  .card { max-width: none; border-radius: 16px 16px 0 0; }
  .body { padding: 16px; }
}
@media (prefers-reduced-motion: reduce) {
  .spinner { animation-duration: 3s; }
  .bar > div, .oval, .pin-input { transition: none; }
  .cue-drift { animation: none; }
}
`;
