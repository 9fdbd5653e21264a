// The PIN pad: a password field that takes digits only, and on-screen keys
// for people without a keyboard. Enter or OK submits; every key is a real
// button, so Tab and Space work too. Digits are always 0-9, left to right,
// whatever the language's direction.
import { h } from "./dom";
import { backspaceIcon, noticeIcon } from "./icons";
import type { Modal } from "./ui";

export const PIN_MIN = 4;
export const PIN_MAX = 16;

export interface PinPrompt {
  title: string;
  text: string;
  // Why the person is asked again (wrong PIN, taken PIN, mismatch).
  notice?: string;
}

// pinScreen resolves with a PIN of PIN_MIN to PIN_MAX digits.
export function pinScreen(m: Modal, prompt: PinPrompt): Promise<string> {
  const t = m.t;
  return new Promise((resolve) => {
    const input = h("input", {
      class: "pin-input",
      type: "password",
      inputmode: "numeric",
      pattern: "[0-9]*",
      maxlength: String(PIN_MAX),
      autocomplete: "off",
      autofocus: true,
      "aria-label": t.pinLabel,
      "aria-describedby": "vf-pin-msg vf-pin-text",
      "data-pin-input": true,
    });
    // Why the person is asked (again), or what is wrong with what they
    // typed: an alert, so it is read out as soon as it appears. Empty, it
    // takes no room (see .msg in styles.ts).
    const msg = h("p", { class: "msg", id: "vf-pin-msg", role: "alert", "aria-atomic": "true" });
    const say = (text: string) => {
      msg.textContent = "";
      if (text) msg.append(noticeIcon(), h("span", null, text));
    };
    say(prompt.notice || "");

    // Whatever arrives (typing, pasting, autofill), keep only digits.
    const clean = () => {
      const digits = input.value.replace(/\D+/g, "").slice(0, PIN_MAX);
      if (digits !== input.value) input.value = digits;
    };
    input.addEventListener("input", () => {
      clean();
      if (msg.textContent === t.pinLength) say("");
    });

    const submit = () => {
      clean();
      const pin = input.value;
      if (pin.length < PIN_MIN) {
        say(t.pinLength);
        input.focus();
        return;
      }
      resolve(pin);
    };

    const keys = h("div", { class: "keys" });
    const key = (label: Node | string, attrs: Record<string, string>, onPress: () => void) => {
      const b = h("button", { class: "key", type: "button", ...attrs }, label);
      b.addEventListener("click", onPress);
      keys.appendChild(b);
    };
    const type = (d: string) => () => {
      if (input.value.length < PIN_MAX) input.value += d;
      if (msg.textContent === t.pinLength) say("");
    };
    for (const d of ["1", "2", "3", "4", "5", "6", "7", "8", "9"]) key(d, { "data-digit": d }, type(d));
    key(backspaceIcon(), { "aria-label": t.deleteDigit, title: t.deleteDigit, "data-delete": "" }, () => {
      input.value = input.value.slice(0, -1);
    });
    key("0", { "data-digit": "0" }, type("0"));
    key(t.ok, { class: "key ok", "data-ok": "" }, submit);

    // A form, so Enter in the field submits, as people expect.
    const form = h(
      "form",
      { class: "screen", novalidate: true },
      h("h3", null, prompt.title),
      h("p", { id: "vf-pin-text" }, prompt.text),
      h("div", { class: "pin-field" }, input, msg),
      keys,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      submit();
    });
    m.show("pin", form, { focus: input });
  });
}
