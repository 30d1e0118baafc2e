/* What a phone tells the organisers anonymously: the rating and words of a template's
 * feedback phase, and a topic tip for the next Cafe Social (the card at the bottom), which
 * any connected phone may send, seated or not.
 *
 * phone.js creates both: `Feedback(phone)` and `Tips(phone)`, and tells each phase change.
 */

/** Phases after the tables, in which the tip card opens by itself. */
const LATE_KINDS = ["gather", "vote", "summary", "feedback"];

/** The feedback phase's form. */
export function Feedback(phone) {
  const { t, call, phaseKind } = window.Cafe;
  const $ = (id) => document.getElementById(id);
  const form = $("feedback-form");
  const status = $("feedback-status");

  /** Show what this phone already answered, so it can change it. */
  function show(answer) {
    if (!answer) return;
    const radio = form.querySelector(`input[name=rating][value="${answer.rating}"]`);
    if (radio) radio.checked = true;
    form.elements.text.value = answer.text;
    if (form.elements.role) form.elements.role.value = answer.role || "";
    status.textContent = t("fb_thanks");
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const checked = form.querySelector("input[name=rating]:checked");
    const payload = {
      rating: checked ? parseInt(checked.value, 10) : null,
      text: form.elements.text.value,
    };
    if (form.elements.role) payload.role = form.elements.role.value || null;
    else if (phone.seat) payload.role = phone.seat.role || null;
    const ack = await call(phone.socket, "feedback", payload);
    status.textContent = ack.ok ? t("fb_thanks") : ack.message;
    status.classList.toggle("error", !ack.ok);
  });

  function phase(id) {
    $("feedback-card").hidden = phaseKind(id) !== "feedback";
  }

  return { show, phase };
}

/** The topic tip card. */
export function Tips(phone) {
  const { t, call, phaseKind } = window.Cafe;
  const $ = (id) => document.getElementById(id);
  const { socket } = phone;
  const TIP_MAX = 300;
  const card = $("tip-card");
  const text = $("tip-text");
  const send = $("tip-send");
  const counter = $("tip-counter");
  let sending = false;
  let shownPhase = null;

  /** Shown while connected (and kept, send disabled, while it holds unsent words). */
  function render() {
    card.hidden = !socket.connected && !text.value.trim();
    send.disabled = sending || !socket.connected;
  }

  /** Unobtrusive while the talks and tables go on, open once the room gathers. Only a
   *  change of phase opens or closes it, and never while a tip is being written. */
  const isLate = (id) => LATE_KINDS.includes(phaseKind(id));
  function phase(id) {
    if (shownPhase !== null && isLate(id) !== isLate(shownPhase) && !text.value) {
      card.open = isLate(id);
    }
    shownPhase = id;
  }

  function showResult(thanks, error) {
    $("tip-thanks").textContent = thanks;
    $("tip-thanks").hidden = !thanks;
    $("tip-error").textContent = error;
    $("tip-error").hidden = !error;
  }

  function updateCounter() {
    const left = TIP_MAX - text.value.length;
    counter.textContent = t("chars_left", { n: left });
    counter.classList.toggle("warn", left < 30);
  }
  text.addEventListener("input", () => {
    updateCounter();
    if (text.value) showResult("", "");
  });
  updateCounter();

  $("tip-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (sending || !socket.connected) return;
    sending = true;
    render();
    showResult("", "");
    const ack = await call(socket, "tip", { text: text.value });
    sending = false;
    if (ack.ok) {
      text.value = "";
      updateCounter();
      showResult(t("tip_thanks"), "");
    } else {
      showResult("", ack.message);
    }
    render();
  });

  return { render, phase };
}
