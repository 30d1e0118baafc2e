/* Where the phone sits and in what role: what it remembers across reloads (device id,
 * seat, the table and role being chosen), the seat screen, joining its table on every
 * (re)connect (which brings the state it may have missed), and the table's host role with
 * the offer of a free one. `remembered` touches no page (tests/js/phone.test.js).
 */
export const DEVICE_KEY = "cafe.device";
export const seatKey = (code) => `cafe.seat.${code}`;
// The table and role being chosen, before "Continue": a reload must not undo the choice.
export const pickKey = (code) => `cafe.pick.${code}`;

/** A stored {table, role} that names a table, else null (storage is not trusted). */
function place(kept) {
  return kept && typeof kept === "object" && Number.isInteger(kept.table) ? kept : null;
}

/** What this phone remembers of event `code`: its `device` id (one for every event), its
 *  `seat` ({table, role}; `fresh` when the QR code of another table, `preselected`, opened
 *  the page: the role is confirmed first) and the `pick` under way on the seat screen. */
export function remembered(store, code, preselected, randomHex) {
  let device = store.get(DEVICE_KEY, null);
  if (typeof device !== "string" || device.length < 22) {
    device = randomHex(24);
    store.set(DEVICE_KEY, device);
  }
  let seat = place(store.get(seatKey(code), null));
  if (preselected && (!seat || seat.table !== preselected)) {
    seat = { table: preselected, role: seat ? seat.role : null, fresh: true };
  }
  let pick = store.get(pickKey(code), null);
  if (!pick || typeof pick !== "object" || (preselected && pick.table !== preselected)) pick = null;
  return { device, seat, pick };
}

/** The seat screen and joining: keeps `phone.seat`, calls `phone.applyState(state)` and
 *  `phone.flush()` once joined. */
export function Seating(phone, pick) {
  const { store, call, STATE_TIMEOUT_MS } = window.Cafe;
  const $ = (id) => document.getElementById(id);
  const { socket, code } = phone;
  const seatBox = $("seat");
  const tableBox = $("table");
  // What the seat screen shows chosen: what was being chosen, else the seat.
  let chosenTable = pick && pick.table ? pick.table : phone.seat ? phone.seat.table : null;
  let choosing = false; // the seat screen is open: a reconnect must not close it

  function pickedRole() {
    const checked = seatBox.querySelector("input[name=role]:checked");
    return checked && checked.value ? checked.value : null;
  }
  function savePick() {
    pick = { table: chosenTable, role: pickedRole() };
    store.set(pickKey(code), pick);
  }
  for (const button of seatBox.querySelectorAll("[data-table]")) {
    button.addEventListener("click", () => {
      chosenTable = parseInt(button.dataset.table, 10);
      for (const b of seatBox.querySelectorAll("[data-table]")) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      }
      $("sit").disabled = false;
      savePick();
    });
  }
  for (const radio of seatBox.querySelectorAll("input[name=role]")) {
    radio.addEventListener("change", savePick);
  }
  $("sit").addEventListener("click", () => {
    // Offline now, it is joined on reconnect (the pick survives a reload meanwhile).
    phone.seat = { table: chosenTable, role: pickedRole() };
    choosing = false;
    join();
  });
  $("change-table").addEventListener("click", () => {
    pick = null;
    store.set(pickKey(code), null);
    chosenTable = phone.seat ? phone.seat.table : null;
    showPicker();
  });

  function showPicker() {
    choosing = true;
    seatBox.hidden = false;
    tableBox.hidden = true;
    const shown = pick || phone.seat;
    for (const b of seatBox.querySelectorAll("[data-table]")) {
      const pressed = chosenTable !== null && parseInt(b.dataset.table, 10) === chosenTable;
      b.setAttribute("aria-pressed", pressed ? "true" : "false");
    }
    const role = shown && shown.role ? shown.role : "";
    const radio = seatBox.querySelector(`input[name=role][value="${CSS.escape(role)}"]`);
    if (radio) radio.checked = true;
    $("sit").disabled = !chosenTable;
  }

  /** Seated (and not from a new table's QR code): true. */
  const seated = () => !!(phone.seat && phone.seat.table && !phone.seat.fresh);

  /** On every (re)connect: join again (true), or offer the tables. */
  function connected() {
    if (seated()) join();
    else if (!choosing) showPicker(); // from a table's QR (confirm the role first) or not seated yet
    return seated();
  }

  let joinRetry = null;
  async function join() {
    window.clearTimeout(joinRetry);
    const seat = phone.seat;
    if (!seat || !socket.connected) return;
    const ack = await call(socket, "join", { table: seat.table, role: seat.role }, STATE_TIMEOUT_MS);
    if (!ack.ok && ack.timeout && socket.connected) {
      // A server just restarted may be answering a thousand phones at once: ask again in
      // 1-3 s (spread, so as not to add to the herd), still seated, rather than sending
      // the participant back to the seat picker.
      joinRetry = window.setTimeout(join, 1000 + Math.random() * 2000);
      return;
    }
    if (!ack.ok) {
      if (!ack.timeout) phone.seat = null;
      showPicker();
      $("status").textContent = ack.message;
      return;
    }
    delete seat.fresh;
    store.set(seatKey(code), seat);
    phone.applyState(ack.state);
    if (!choosing) {
      // Seated as chosen: what was being chosen is done with.
      pick = null;
      store.set(pickKey(code), null);
      seatBox.hidden = true;
      tableBox.hidden = false;
    }
    phone.flush();
  }

  // A choice under way when the page was last left (reloaded offline, say): carry on with it.
  if (pick || !phone.seat) showPicker();

  return { connected };
}

/** The host role: keeps `phone.table` and `phone.isHost`; the host marks the table's core
 *  ideas (phone/posts.js) and may send an idea straight in as one. The offer of a free
 *  role (its host's phone left, or the facilitator handed it on) stays until a phone takes
 *  it or it is dismissed. */
export function Host(phone) {
  const { t, call } = window.Cafe;
  const $ = (id) => document.getElementById(id);
  const { socket } = phone;
  let offeredTable = null;

  function render() {
    const { table, isHost } = phone;
    const text = $("host-text");
    const button = $("host-toggle");
    if (isHost) {
      text.textContent = t("you_are_host");
      button.textContent = t("release_host");
      button.hidden = false;
    } else if (table && table.has_host) {
      text.textContent = t("host_taken");
      button.hidden = true;
    } else {
      text.textContent = t("no_host");
      button.textContent = t("take_host");
      button.hidden = false;
    }
    $("core-direct").hidden = !isHost;
    if (!isHost) $("as-core").checked = false;
    $("host-box").classList.toggle("is-host", isHost);
    if (isHost || !table || table.has_host || table.id !== offeredTable) showOffer(null);
  }

  function showOffer(tableId) {
    offeredTable = tableId;
    $("host-offer").hidden = tableId === null;
  }

  /** Claim or release the role; the answer's table (with its host) is drawn. */
  async function claim(claiming) {
    const ack = await call(socket, claiming ? "claim_host" : "release_host", {});
    if (!ack.ok) {
      phone.showError(ack.message);
      return;
    }
    phone.table = ack.table;
    phone.isHost = claiming;
    render();
    phone.renderPosts();
  }

  socket.on("host_offer", (data) => {
    if (phone.table && data.table === phone.table.id && !phone.isHost) showOffer(phone.table.id);
  });
  $("host-offer-take").addEventListener("click", async () => {
    await claim(true);
    showOffer(null); // taken, or refused (another phone was quicker): the offer is over
  });
  $("host-offer-dismiss").addEventListener("click", () => showOffer(null));
  $("host-toggle").addEventListener("click", () => claim(!phone.isHost));

  socket.on("table", (data) => {
    if (phone.table && data.id === phone.table.id) {
      phone.table = data;
      render();
    }
  });
  socket.on("you_host", (data) => {
    if (phone.table && data.table === phone.table.id) {
      phone.isHost = data.host;
      render();
      phone.renderPosts();
    }
  });

  return { render };
}
