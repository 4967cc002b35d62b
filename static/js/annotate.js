// The annotation page, keyboard first. The page works without this file: every claim
// is a link, the form posts (Save draft, Done, Done and next), and the links at either
// end of the text open the claims around them. With it:
//
// * Moving between claims shows the next claim's panel at once, without a reload: the
//   panel is a server-rendered fragment (annotate.claim_panel), fetched ahead for the
//   claims next to the open one and put in place of the panel shown.
// * Every change is saved in the background as a draft through the JSON API (the same
//   request as docs/api.md's save), one request at a time per claim, the latest values
//   winning. The panel says saved / saving / not saved in words (a live region); a
//   save that fails for a reason that passes (network down, server restarting, logged
//   out, an expired form token) keeps the values and retries by itself; a newer version
//   saved elsewhere (409) shows both versions to choose from. Nothing is done until the
//   annotator marks it done (the done key, or accepting the suggestions).
// * Keys come from the project's key map (#page-data, workbench/keymap.py): a key per
//   field, digits pick the n-th value of the field marked (0: not set) and move on to
//   the next field; in the speaker and via fields the digits pick the article's
//   speakers, and the field's key opens a picker that filters the registry. No key but
//   Escape and Ctrl+Enter does anything while the annotator types in a text field.
// * Undo (Ctrl+Z or the undo key) puts back the values before the last change.
// * Selecting text inside the open claim offers a split or a trim there (managers).

const pageDataHolder = document.getElementById("page-data");
const PAGE = pageDataHolder ? JSON.parse(pageDataHolder.dataset.json || "{}") : {};
const KEYS = PAGE.keys || {};
const ACTION_OF = new Map();
for (const [action, keys] of Object.entries(KEYS)) for (const key of keys) ACTION_OF.set(key, action);

const aside = document.getElementById("claim-form");
const text = document.getElementById("article-text");
document.documentElement.classList.add("js");
for (const each of document.querySelectorAll(".js-only")) each.hidden = false;

const NOT_TYPING = new Set(["radio", "checkbox", "button", "submit", "reset"]);
const ADVANCE_SKIPS = new Set(["via", "note"]); // reached by their keys only

function escapeHtml(words) {
  return String(words).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLInputElement) return !NOT_TYPING.has(target.type);
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

// ---------------------------------------------------------------- the open claim

let panel = null; // #panel of the open claim
let form = null;
let claimId = null;
let cursor = null; // the field marked for the digits: a data-field name
let lastSnapshot = null; // the form's values after the last change (for undo)
let noteBurst = false; // typing in the note: one undo step per burst

const panels = new Map(); // claim id -> its panel's HTML on its way (a promise)
const entries = new Map(); // claim id -> background save state (see entryFor)
const undoStacks = new Map(); // claim id -> snapshots before each change

function csrfToken() {
  const input = document.querySelector('#annotation-form input[name="csrf_token"]');
  return PAGE.csrf || (input ? input.value : "");
}

function fields() {
  return form ? Array.from(form.querySelectorAll("[data-field]")) : [];
}

function fieldNamed(name) {
  return form ? form.querySelector(`[data-field="${CSS.escape(name)}"]`) : null;
}

function valueOf(holder) {
  const name = holder.dataset.field;
  if (holder.classList.contains("speaker-row")) {
    const select = form.elements[name];
    const typed = form.elements[`new_${name}_name`];
    return (select && select.value) || (typed && typed.value.trim()) || "";
  }
  if (name === "note") return form.elements.note.value.trim();
  const checked = holder.querySelector("input[type=radio]:checked");
  return checked ? checked.value : "";
}

function setCursor(name, { scroll = true } = {}) {
  cursor = name;
  for (const holder of fields()) {
    const on = holder.dataset.field === name;
    holder.classList.toggle("current-group", on);
    if (on && scroll) holder.scrollIntoView({ block: "nearest" });
  }
}

// The order the digits move through: speaker, attribution, the stances, verifiability.
function advanceOrder() {
  return fields()
    .map((holder) => holder.dataset.field)
    .filter((name) => !ADVANCE_SKIPS.has(name));
}

// A digit moves on to the next field, always the same one, so that a run of digits
// is predictable; the field keys jump anywhere.
function advance() {
  const order = advanceOrder();
  const next = order[order.indexOf(cursor) + 1];
  if (next) setCursor(next);
}

function firstCursor() {
  const order = advanceOrder();
  return order.find((name) => !valueOf(fieldNamed(name))) || order[order.length - 1] || null;
}

// ---------------------------------------------------------------- snapshots, undo

const SNAPSHOT_SKIP = new Set(["csrf_token", "base_version", "claim_span"]);

function snapshot() {
  const values = {};
  if (!form) return values;
  for (const element of form.elements) {
    if (!element.name || SNAPSHOT_SKIP.has(element.name) || element.type === "submit") continue;
    if (element.type === "radio") {
      if (element.checked) values[element.name] = element.value;
      else if (!(element.name in values)) values[element.name] = "";
    } else values[element.name] = element.value;
  }
  // A speaker chosen in the picker may be missing from the list: keep its name.
  for (const name of ["speaker", "via"]) {
    const select = form.elements[name];
    if (select && select.selectedOptions[0]) values[`${name}__label`] = select.selectedOptions[0].text;
  }
  return values;
}

function restore(values) {
  for (const [name, value] of Object.entries(values)) {
    if (name.endsWith("__label")) continue;
    const element = form.elements[name];
    if (!element) continue;
    if (element instanceof RadioNodeList) {
      for (const radio of element) radio.checked = radio.value === value;
    } else if (element instanceof HTMLSelectElement) {
      ensureOption(element, value, values[`${name}__label`] || value);
      element.value = value;
    } else element.value = value;
  }
  for (const picker of form.querySelectorAll(".picker")) picker.refresh();
}

function changed({ burst = false } = {}) {
  // Called after a change to the form: remember the values before it for undo, drop
  // the "suggested" marks of changed fields, save in the background.
  if (!form) return;
  const now = snapshot();
  if (lastSnapshot && JSON.stringify(now) !== JSON.stringify(lastSnapshot)) {
    if (!burst || !noteBurst) stackOf(claimId).push(lastSnapshot);
    noteBurst = burst;
  }
  lastSnapshot = now;
  unmarkChanged();
  queueSave(claimId, { delay: burst ? 400 : 0 });
}

function stackOf(id) {
  if (!undoStacks.has(id)) undoStacks.set(id, []);
  return undoStacks.get(id);
}

function undo() {
  const stack = stackOf(claimId);
  if (!stack.length) {
    say("Nothing to undo on this claim.");
    return;
  }
  const before = stack.pop();
  restore(before);
  lastSnapshot = snapshot();
  noteBurst = false;
  unmarkChanged();
  queueSave(claimId, { delay: 0 });
  say("Undone: the values before your last change are back.");
}

// The "suggested" badge goes from a field once its value is no longer the suggestion.
function unmarkChanged() {
  if (!form) return;
  try {
    unmarkFields();
  } finally {
    for (const picker of form.querySelectorAll(".picker")) picker.refresh();
  }
}

function unmarkFields() {
  for (const holder of form.querySelectorAll("[data-suggested]")) {
    const element = form.elements[holder.dataset.suggested];
    const initial = holder.dataset.initial;
    const value = element instanceof RadioNodeList ? element.value : element ? element.value : "";
    if (initial === undefined) continue;
    if (value === initial) continue;
    holder.classList.remove("is-suggested");
    delete holder.dataset.suggested;
    const badge = holder.querySelector(".suggested-badge");
    if (badge) {
      for (const each of holder.querySelectorAll("[aria-describedby]")) {
        if (each.getAttribute("aria-describedby") === badge.id) each.removeAttribute("aria-describedby");
      }
      if (holder.getAttribute("aria-describedby") === badge.id) holder.removeAttribute("aria-describedby");
      badge.remove();
    }
  }
}

// ---------------------------------------------------------------- background saves

// A claim's saves: the latest values to send, the version they build on, whether a
// request is out, and how the last one went.
function entryFor(id) {
  if (!entries.has(id)) {
    entries.set(id, {
      id,
      api: panel.dataset.api,
      version: panel.dataset.version ? Number(panel.dataset.version) : null,
      span: [Number(panel.dataset.start), Number(panel.dataset.end)],
      position: panel.dataset.position,
      status: panel.dataset.status || "",
      values: null,
      wantDone: false,
      dirty: false,
      busy: false,
      state: "saved",
      message: "",
      attempts: 0,
      timer: null,
      conflict: null,
    });
  }
  return entries.get(id);
}

function isEmptyBody(body) {
  return (
    body.speaker_id === null &&
    body.via_id === null &&
    !body.attribution &&
    !body.verifiability &&
    !body.note &&
    !Object.values(body.stances).some(Boolean)
  );
}

// The form's values as the API takes them, and the new speakers to add first.
function collect() {
  const body = { stances: {} };
  const newSpeakers = {};
  for (const name of ["speaker", "via"]) {
    const select = form.elements[name];
    const id = select && select.value ? Number(select.value) : null;
    body[`${name}_id`] = id;
    const typed = form.elements[`new_${name}_name`];
    if (id === null && typed && typed.value.trim()) {
      const get = (suffix) => (form.elements[`new_${name}_${suffix}`] || { value: "" }).value.trim();
      newSpeakers[name] = {
        name: typed.value.trim(),
        type: get("type") || "person",
        title: get("title"),
        aliases: get("aliases")
          .split(";")
          .map((a) => a.trim())
          .filter(Boolean),
      };
    }
  }
  for (const holder of form.querySelectorAll("fieldset.radios")) {
    const name = holder.dataset.field;
    const checked = holder.querySelector("input[type=radio]:checked");
    const value = checked ? checked.value : "";
    if (name.startsWith("stance_")) body.stances[name.slice(7)] = value;
    else body[name] = value;
  }
  body.note = form.elements.note.value.replace(/\r\n?/g, "\n").trim();
  return { body, newSpeakers };
}

function queueSave(id, { delay = 0, done = false } = {}) {
  const entry = entryFor(id);
  const { body, newSpeakers } = collect();
  entry.values = body;
  entry.newSpeakers = newSpeakers;
  entry.snapshot = snapshot();
  if (done) entry.wantDone = true;
  entry.dirty = true;
  entry.conflict = null;
  clearTimeout(entry.timer);
  entry.state = "waiting";
  showState(entry);
  entry.timer = setTimeout(() => flush(entry), delay);
}

function statusFor(entry) {
  // Done stays done when the claim is changed again (unless emptied); else a draft.
  if (isEmptyBody(entry.values)) return "draft";
  if (entry.wantDone || entry.status === "submitted") return "submitted";
  return "draft";
}

async function addSpeakers(entry) {
  // The new speakers the form names (a suggestion new to the registry) are added
  // before the annotation that names them is saved; one already there is used.
  for (const [name, speaker] of Object.entries(entry.newSpeakers || {})) {
    const response = await api(PAGE.speakersApi, speaker);
    const answer = await response.json().catch(() => ({}));
    if (response.ok || (response.status === 409 && answer.speaker)) {
      const added = answer.speaker;
      entry.values[`${name}_id`] = added.id;
      if (Number(panel && panel.dataset.claimId) === entry.id && form) {
        const select = form.elements[name];
        ensureOption(select, String(added.id), added.name);
        select.value = String(added.id);
        const typed = form.elements[`new_${name}_name`];
        if (typed) typed.value = "";
        const prefilled = form.querySelector(`input[name="suggested_${name}_name"]`);
        if (prefilled) prefilled.remove();
        lastSnapshot = snapshot();
        for (const picker of form.querySelectorAll(".picker")) picker.refresh();
      }
      rememberSpeaker(added);
    } else {
      throw Object.assign(new Error(answer.message || `HTTP ${response.status}`), { response });
    }
  }
  entry.newSpeakers = {};
}

function api(url, body) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify(body),
  });
}

async function refreshToken() {
  const response = await fetch(PAGE.sessionApi, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (response.ok) PAGE.csrf = (await response.json()).csrf_token;
  return response.ok;
}

async function flush(entry) {
  if (entry.busy || !entry.dirty) return;
  entry.busy = true;
  entry.dirty = false;
  entry.state = "saving";
  showState(entry);
  const status = statusFor(entry);
  let retry = false;
  try {
    await addSpeakers(entry);
    const body = { ...entry.values, status, base_version: entry.version, claim_span: entry.span };
    const response = await api(entry.api, body);
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      entry.version = answer.annotation.version;
      entry.status = answer.annotation.status;
      entry.state = "saved";
      entry.attempts = 0;
      entry.message = "";
      panels.delete(entry.id);
      markInText(entry.id, entry.status);
      if (entry.status === "submitted") entry.wantDone = false;
    } else if (response.status === 409) {
      entry.state = "conflict";
      entry.conflict = answer;
      entry.dirty = false;
    } else if (response.status === 401 || (response.status === 403 && /log in/i.test(answer.message || ""))) {
      // Logged out (the session expired or was ended): kept, and sent again until
      // the annotator has logged in again (in another tab).
      entry.state = "failed";
      entry.message = "you are logged out; log in again (in another tab) and it will be saved";
      entry.dirty = true;
      retry = true;
    } else if (response.status === 403) {
      entry.state = "refused";
      entry.message = answer.message || "you may not save this claim";
    } else if (response.status === 400 && /expired|token/i.test(answer.error || "")) {
      // The form's token is tied to the session: a fresh one, unless logged out.
      const fresh = await refreshToken();
      entry.dirty = true;
      retry = true;
      entry.state = "failed";
      entry.message = fresh
        ? "the form's security token had expired"
        : "you are logged out; log in again (in another tab) and it will be saved";
    } else if (response.status >= 500 || response.status === 429) {
      entry.state = "failed";
      entry.message = `the server answered ${response.status}`;
      entry.dirty = true;
      retry = true;
    } else {
      // Refused for its values (an empty claim marked done, a label no longer in the
      // codebook): kept as typed, not sent again until the annotator changes something.
      entry.state = "refused";
      entry.message = answer.message || `HTTP ${response.status}`;
      entry.wantDone = false;
    }
  } catch (error) {
    if (error.response) {
      entry.state = error.response.status >= 500 ? "failed" : "refused";
      retry = error.response.status >= 500;
      entry.message = `the new speaker was not added: ${error.message}`;
    } else {
      entry.state = "failed";
      entry.message = "the server cannot be reached";
      retry = true;
    }
    entry.dirty = true;
  } finally {
    entry.busy = false;
  }
  if (retry) {
    entry.attempts += 1;
    const wait = Math.min(1000 * 2 ** Math.min(entry.attempts - 1, 3), 8000);
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => flush(entry), wait);
  } else if (entry.dirty && entry.state === "saved") {
    flush(entry);
  }
  showState(entry);
}

function pendingEntries() {
  return Array.from(entries.values()).filter((e) => e.dirty || e.busy || e.state === "conflict");
}

const STATE_WORDS = {
  saved: (e) => (e.status === "submitted" ? "Done · saved" : "Draft saved (not done)"),
  waiting: () => "Saving…",
  saving: () => "Saving…",
  failed: (e) => `Not saved: ${e.message}. Retrying by itself; your changes are kept.`,
  refused: (e) => `Not saved: ${e.message}`,
  conflict: () => "Not saved: a newer version was saved elsewhere. Choose below.",
};

function showState(entry) {
  if (panel && Number(panel.dataset.claimId) === entry.id) {
    const line = document.getElementById("save-state");
    const words = STATE_WORDS[entry.state](entry);
    if (line && line.textContent !== words) line.textContent = words;
    if (line) line.className = `save-state state-${entry.state}`;
    if (entry.state === "conflict") showConflict(entry);
  }
  const others = pendingEntries().filter((e) => e.state !== "saving" && e.state !== "waiting");
  const pending = document.getElementById("pending-saves");
  if (pending) {
    const elsewhere = others.filter((e) => !panel || Number(panel.dataset.claimId) !== e.id);
    pending.hidden = !elsewhere.length;
    pending.textContent = elsewhere.length
      ? `Not saved yet: claim ${elsewhere.map((e) => e.position).join(", ")} (kept here, retrying).`
      : "";
  }
}

// Both versions side by side; "keep mine" sends mine again on the saved version,
// "take the saved one" shows the claim as saved.
function showConflict(entry) {
  const view = document.getElementById("conflict-view");
  if (!view || !entry.conflict) return;
  const saved = entry.conflict.current || {};
  const rows = compareRows(saved, entry.values);
  view.hidden = false;
  view.innerHTML = "";
  const message = document.createElement("p");
  message.className = "conflict";
  message.setAttribute("role", "alert");
  message.textContent = entry.conflict.message || "A newer version was saved elsewhere.";
  const table = document.createElement("table");
  table.className = "values conflict-values";
  table.innerHTML = "<thead><tr><th scope='col'>Field</th><th scope='col'>Saved now</th><th scope='col'>Yours (not saved)</th></tr></thead>";
  const tbody = document.createElement("tbody");
  for (const [label, a, b] of rows) {
    const tr = document.createElement("tr");
    if (a !== b) tr.className = "differs";
    for (const cell of [label, a, b]) {
      const td = document.createElement("td");
      td.textContent = cell;
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.append(tbody);
  const keep = document.createElement("button");
  keep.type = "button";
  keep.id = "keep-mine";
  keep.textContent = "Keep mine";
  keep.addEventListener("click", () => {
    entry.version = saved.version ?? entry.version;
    entry.conflict = null;
    view.hidden = true;
    entry.dirty = true;
    flush(entry);
  });
  const take = document.createElement("button");
  take.type = "button";
  take.className = "secondary";
  take.id = "take-saved";
  take.textContent = "Take the saved one";
  take.addEventListener("click", async () => {
    entries.delete(entry.id);
    undoStacks.delete(entry.id);
    panels.delete(entry.id);
    await show(entry.id, { keepFocus: true });
    markInText(entry.id, saved.status);
  });
  const buttons = document.createElement("p");
  buttons.className = "buttons";
  buttons.append(keep, take);
  view.append(message, table, buttons);
}

function speakerName(id) {
  if (id === null || id === undefined || id === "") return "";
  const known = knownSpeakers.get(Number(id));
  if (known) return known.name;
  for (const name of ["speaker", "via"]) {
    const option = form && form.elements[name] && form.elements[name].querySelector(`option[value="${id}"]`);
    if (option) return option.text;
  }
  return `speaker #${id}`;
}

function labelText(name, value) {
  if (!value) return "";
  const input = form && form.querySelector(`input[name="${CSS.escape(name)}"][value="${CSS.escape(value)}"]`);
  const label = input && input.closest("label");
  const shown = label && label.querySelector(".label-name");
  return shown ? shown.textContent : value;
}

function compareRows(saved, mine) {
  const rows = [];
  rows.push(["Speaker", saved.speaker || speakerName(saved.speaker_id), speakerName(mine.speaker_id)]);
  rows.push(["Via", saved.via || speakerName(saved.via_id), speakerName(mine.via_id)]);
  rows.push(["Attribution", labelText("attribution", saved.attribution), labelText("attribution", mine.attribution)]);
  for (const holder of form.querySelectorAll('fieldset.radios[data-field^="stance_"]')) {
    const id = holder.dataset.field.slice(7);
    const legend = holder.querySelector("legend").firstChild.textContent.trim();
    const savedStances = saved.stances || {};
    rows.push([legend, labelText(holder.dataset.field, savedStances[id] || ""), labelText(holder.dataset.field, mine.stances[id] || "")]);
  }
  rows.push(["Verifiability", labelText("verifiability", saved.verifiability), labelText("verifiability", mine.verifiability)]);
  rows.push(["Note", saved.note || "", mine.note || ""]);
  rows.push(["State", saved.status === "submitted" ? "done" : "draft", statusFor({ values: mine, status: "", wantDone: false }) === "submitted" ? "done" : "draft"]);
  return rows;
}

function say(words) {
  const line = document.getElementById("key-feedback");
  if (line) {
    line.textContent = "";
    line.textContent = words;
  }
}

window.addEventListener("beforeunload", (event) => {
  if (pendingEntries().length) {
    event.preventDefault();
    event.returnValue = "";
  }
});
window.addEventListener("online", () => {
  for (const entry of pendingEntries()) if (!entry.busy && entry.state !== "conflict") flush(entry);
});

// ---------------------------------------------------------------- the text

function claimLinks() {
  return Array.from(text ? text.querySelectorAll("a.claim") : []);
}

function markInText(id, status) {
  const link = document.getElementById(`c${id}`);
  if (!link) return;
  const wasDone = link.classList.contains("done");
  link.classList.add("annotated");
  link.classList.toggle("done", status === "submitted");
  link.classList.toggle("draft", status !== "submitted");
  link.classList.remove("span-changed");
  const sup = link.querySelector("sup.num");
  if (sup) {
    for (const old of sup.querySelectorAll(".state-mark, .visually-hidden")) old.remove();
    const mark = document.createElement("span");
    mark.className = "state-mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = status === "submitted" ? "✓" : "✎";
    const words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = status === "submitted" ? " done" : " draft";
    sup.append(mark, words);
  }
  const isDone = status === "submitted";
  if (isDone !== wasDone) countDone(isDone ? 1 : -1);
}

function countDone(delta) {
  for (const [countId, barId] of [
    ["done-count", "article-progress"],
    ["project-done-count", "project-progress-bar"],
  ]) {
    const count = document.getElementById(countId);
    const bar = document.getElementById(barId);
    if (!count) continue;
    const value = Math.max(0, Number(count.textContent) + delta);
    count.textContent = String(value);
    if (bar) bar.value = value;
  }
  const done = document.getElementById("done-count");
  const total = document.getElementById("total-count");
  if (done && total && done.textContent === total.textContent) {
    const next = document.getElementById("next-open");
    if (next) next.textContent = "All claims done.";
  }
}

// The evidence of the open claim's suggestions, highlighted wherever it falls.
function textNodesOf(piece) {
  const nodes = [];
  const walker = document.createTreeWalker(piece, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement.closest("sup.num") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
  return nodes;
}

function clearMarks() {
  for (const mark of text.querySelectorAll("mark.evidence")) mark.replaceWith(...mark.childNodes);
  text.normalize();
}

function applyMarks(marks) {
  clearMarks();
  if (!marks.length) return;
  const pieces = Array.from(text.querySelectorAll("[data-o]"));
  const starts = pieces.map((piece) => Number(piece.dataset.o));
  for (const [role, start, end, title] of marks) {
    for (let i = 0; i < pieces.length; i += 1) {
      if (starts[i] >= end) break; // the pieces are in the text's order
      if (i + 1 < pieces.length && starts[i + 1] <= start) continue;
      const piece = pieces[i];
      let offset = starts[i];
      for (const node of textNodesOf(piece)) {
        const from = Math.max(start, offset);
        const to = Math.min(end, offset + node.length);
        if (from < to) {
          const range = document.createRange();
          range.setStart(node, from - offset);
          range.setEnd(node, to - offset);
          const mark = document.createElement("mark");
          mark.className = `evidence ev-${role}`;
          mark.dataset.roles = role;
          mark.title = title;
          range.surroundContents(mark);
          break; // the piece's nodes changed: the next mark reads them again
        }
        offset += node.length;
      }
    }
  }
}

// ---------------------------------------------------------------- moving

const FILTERS = {
  "": () => true,
  open: (link) => !link.classList.contains("done"),
  draft: (link) => link.classList.contains("draft"),
  flagged: (link) => link.classList.contains("span-changed"),
};

function filterNow() {
  const select = document.getElementById("claim-filter");
  return FILTERS[select ? select.value : ""] || FILTERS[""];
}

async function go(step) {
  const links = claimLinks();
  const current = links.findIndex((link) => Number(link.dataset.claimId) === claimId);
  const wanted = filterNow();
  for (let i = current + step; i >= 0 && i < links.length; i += step) {
    if (wanted(links[i])) return show(Number(links[i].dataset.claimId));
  }
  // Past the claims on the page: load the next stretch, or say there is none.
  const more = text.querySelector(step > 0 ? "a.more-later" : "a.more-earlier");
  if (more) {
    await loadMore(more);
    return go(step);
  }
  say(step > 0 ? "This is the last claim of the article that matches." : "This is the first claim that matches.");
}

async function goNextOpen() {
  const id = panel && panel.dataset.nextOpen ? Number(panel.dataset.nextOpen) : null;
  const links = claimLinks();
  const current = links.findIndex((link) => Number(link.dataset.claimId) === claimId);
  // The next claim not done after this one on the page, as the page knows it now.
  for (let i = 1; i <= links.length; i += 1) {
    const link = links[(current + i) % links.length];
    if (Number(link.dataset.claimId) !== claimId && !link.classList.contains("done")) {
      return show(Number(link.dataset.claimId));
    }
  }
  if (id && !document.getElementById(`c${id}`)) {
    window.location.href = `${PAGE.pageUrl}?claim=${id}#claim-form`;
    return;
  }
  const next = document.getElementById("next-article");
  say(next ? `All claims of this article are done. Next: ${next.textContent}` : "All claims of this article are done.");
}

function panelUrl(id) {
  return PAGE.panelUrl.replace(/\/claims\/0\/panel$/, `/claims/${id}/panel`);
}

async function fetchPanel(id) {
  // Given up after 10 s (a network that swallows requests): the keys waiting go on.
  const response = await fetch(panelUrl(id), {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
    signal: AbortSignal.timeout ? AbortSignal.timeout(10000) : undefined,
  });
  if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
  return response.text();
}

function prefetch() {
  const links = claimLinks();
  const current = links.findIndex((link) => Number(link.dataset.claimId) === claimId);
  const ids = [links[current + 1], links[current - 1]]
    .filter(Boolean)
    .map((link) => Number(link.dataset.claimId));
  if (panel && panel.dataset.nextOpen) ids.push(Number(panel.dataset.nextOpen));
  for (const id of ids) {
    if (panels.has(id) || entries.has(id)) continue;
    // The promise itself is kept: a key pressed while it is on its way waits for it.
    const fetched = fetchPanel(id);
    panels.set(id, fetched);
    fetched.catch(() => {
      if (panels.get(id) === fetched) panels.delete(id);
    });
  }
}

let showing = 0;
let swapping = null; // a claim on its way to the panel (a promise): keys wait for it

async function show(id, { keepFocus = false } = {}) {
  const swap = swapIn(id, { keepFocus });
  swapping = swap;
  try {
    await swap;
  } finally {
    if (swapping === swap) swapping = null;
  }
}

async function swapIn(id, { keepFocus = false } = {}) {
  const ticket = ++showing;
  const ahead = panels.get(id);
  panels.delete(id);
  let html;
  try {
    html = ahead ? await ahead.catch(() => fetchPanel(id)) : await fetchPanel(id);
  } catch (error) {
    say(
      error.status
        ? `That claim could not be opened (the server answered ${error.status}); reload the page.`
        : "That claim could not be loaded: the server cannot be reached. Try again in a moment.",
    );
    return;
  }
  if (ticket !== showing) return; // another key was faster
  aside.innerHTML = html;
  setUp();
  const entry = entries.get(id);
  if (entry && (entry.dirty || entry.busy || entry.state !== "saved") && entry.snapshot) {
    // What the annotator did here and is not saved yet stays what they see.
    restore(entry.snapshot);
    lastSnapshot = snapshot();
  }
  if (entry) {
    // The panel comes from the server: its version is the one saved, unless a save
    // of this claim is still out (that answer brings the version).
    if (!entry.busy && panel.dataset.version) entry.version = Number(panel.dataset.version);
    entry.status = panel.dataset.status || entry.status;
    showState(entry);
  }
  const url = `${PAGE.pageUrl}?claim=${id}`;
  history.replaceState({ claim: id }, "", url);
  if (!keepFocus) document.getElementById("panel-title")?.focus({ preventScroll: true });
  document.title = document.title.replace(/^(Claim \d+ · )?/, `Claim ${panel.dataset.position} · `);
}

function selectInText() {
  for (const link of text.querySelectorAll("a.claim.selected")) link.classList.remove("selected");
  const link = document.getElementById(`c${claimId}`);
  if (link) {
    link.classList.add("selected");
    const box = link.getBoundingClientRect();
    const view = text.getBoundingClientRect();
    if (box.top < Math.max(view.top, 0) || box.bottom > window.innerHeight) {
      link.scrollIntoView({ block: "center" });
    }
  }
  applyMarks(JSON.parse(panel.dataset.marks || "[]"));
  // Which evidence lies outside the text on the page (the panel came alone).
  const pieces = text.querySelectorAll("[data-o]");
  const first = pieces.length ? Number(pieces[0].dataset.o) : 0;
  const lastPiece = pieces[pieces.length - 1];
  let last = 0;
  if (lastPiece) {
    last = lastPiece.dataset.end
      ? Number(lastPiece.dataset.end)
      : Number(lastPiece.dataset.o) + lastPiece.textContent.length;
  }
  for (const note of panel.querySelectorAll(".off-text")) {
    note.hidden = Number(note.dataset.start) >= first && Number(note.dataset.end) <= last;
  }
}

// ---------------------------------------------------------------- the speaker picker

const knownSpeakers = new Map();
function rememberSpeaker(s) {
  knownSpeakers.set(Number(s.id), s);
}
for (const s of PAGE.roster || []) rememberSpeaker(s);

function ensureOption(select, value, label) {
  if (!select || !value) return;
  if (!select.querySelector(`option[value="${CSS.escape(value)}"]`)) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    select.append(option);
  }
}

function fold(words) {
  return (words || "")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

let pickerCount = 0;
function makePicker(row) {
  const name = row.dataset.field;
  const select = form.elements[name];
  const label = name === "speaker" ? "Speaker" : "Via";
  const key = row.dataset.key;
  const id = `picker-${name}-${++pickerCount}`;
  const box = document.createElement("div");
  box.className = "picker";
  box.innerHTML = `
    <div class="picker-line"><span class="picker-label" id="${id}-label">${label}${key ? ` <kbd class="field-key">${escapeHtml(key)}</kbd>` : ""}</span>
      <span class="picker-value" id="${id}-value"></span>
      <button type="button" class="link picker-open" aria-describedby="${id}-label">change</button></div>
    <div class="picker-search" hidden>
      <input type="text" id="${id}-input" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="${id}-list" aria-labelledby="${id}-label" placeholder="type a name, alias or title; Enter picks; Escape closes" autocomplete="off" spellcheck="false">
      <ul role="listbox" id="${id}-list" class="picker-list" aria-labelledby="${id}-label"></ul>
      <div class="picker-new" hidden></div>
    </div>
    <ol class="roster-chips" aria-label="${label}: the article's speakers, by digit"></ol>`;
  row.prepend(box);
  row.classList.add("has-picker");
  const value = box.querySelector(".picker-value");
  const search = box.querySelector(".picker-search");
  const input = box.querySelector("input");
  const list = box.querySelector(".picker-list");
  const newBox = box.querySelector(".picker-new");
  const chips = box.querySelector(".roster-chips");
  let options = [];
  let active = -1;
  let asked = 0;
  let moved = false; // the annotator chose with the arrows since typing

  function current() {
    const typed = form.elements[`new_${name}_name`];
    if (select.value) return { id: select.value, name: select.selectedOptions[0]?.text || speakerName(select.value) };
    if (typed && typed.value.trim()) return { id: "", name: typed.value.trim(), isNew: true };
    return null;
  }

  function roster() {
    return (PAGE.roster || []).slice(0, 9);
  }

  box.refresh = () => {
    const now = current();
    value.textContent = now ? (now.isNew ? `${now.name} (new)` : now.name) : "(none)";
    value.classList.toggle("empty", !now);
    // The field still holds the suggestion: the same badge as the other fields.
    const suggested = row.querySelector(".field[data-suggested]");
    let badge = box.querySelector(".picker-line .suggested-badge");
    if (suggested && !badge) {
      badge = document.createElement("small");
      badge.className = "suggested-badge";
      badge.innerHTML = 'suggested<span class="visually-hidden"> value, not saved until you save</span>';
      value.after(badge);
    } else if (!suggested && badge) badge.remove();
    chips.innerHTML = "";
    roster().forEach((s, i) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chip" + (String(s.id) === select.value ? " chosen" : "");
      button.innerHTML = `<kbd aria-hidden="true">${i + 1}</kbd> `;
      button.append(document.createTextNode(s.name));
      button.addEventListener("click", () => pick(s));
      li.append(button);
      chips.append(li);
    });
    chips.hidden = !roster().length;
  };

  function pick(s) {
    ensureOption(select, String(s.id), s.name);
    select.value = String(s.id);
    const typed = form.elements[`new_${name}_name`];
    if (typed) typed.value = "";
    close();
    box.refresh();
    changed();
  }

  function unset() {
    select.value = "";
    const typed = form.elements[`new_${name}_name`];
    if (typed) typed.value = "";
    box.refresh();
    changed();
  }

  box.pickDigit = (digit) => {
    if (digit === 0) return unset();
    const s = roster()[digit - 1];
    if (s) pick(s);
    else say(`No speaker of this article has the digit ${digit}; press ${row.dataset.key || "the field's key"} to search the registry.`);
    return Boolean(s);
  };

  function render() {
    list.innerHTML = "";
    options.forEach((option, i) => {
      const li = document.createElement("li");
      li.id = `${id}-o${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      li.className = i === active ? "active" : "";
      if (option.add) li.textContent = `Add “${option.name}” as a new ${name === "speaker" ? "speaker" : "source"}…`;
      else {
        li.textContent = option.name;
        const more = [option.title, option.matched, option.in_roster ? "in this article" : ""].filter(Boolean);
        if (more.length) {
          const small = document.createElement("small");
          small.textContent = ` ${more.join(" · ")}`;
          li.append(small);
        }
      }
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      list.append(li);
    });
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    if (active >= 0) input.setAttribute("aria-activedescendant", `${id}-o${active}`);
    else input.removeAttribute("aria-activedescendant");
  }

  function localMatches(q) {
    const seen = new Map();
    const pool = [...(PAGE.roster || []).map((s) => ({ ...s, in_roster: true })), ...Array.from(select.options).filter((o) => o.value).map((o) => ({ id: Number(o.value), name: o.text }))];
    for (const s of pool) {
      if (seen.has(s.id)) continue;
      const hay = fold(`${s.name} ${s.title || ""}`);
      if (!q || hay.split(" ").some((w) => w.startsWith(q)) || hay.includes(q)) seen.set(s.id, s);
    }
    return Array.from(seen.values()).slice(0, 20);
  }

  async function filter() {
    moved = false;
    const q = fold(input.value);
    options = localMatches(q);
    if (input.value.trim() && PAGE.canAddSpeaker) options.push({ add: true, name: input.value.trim() });
    active = options.length ? 0 : -1;
    render();
    const ticket = ++asked;
    if (!PAGE.speakersApi) return;
    try {
      const params = new URLSearchParams({ q: input.value.trim(), article: PAGE.articleId || "", limit: "20" });
      const response = await fetch(`${PAGE.speakersApi}?${params}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok || ticket !== asked) return;
      const found = (await response.json()).speakers || [];
      for (const s of found) rememberSpeaker(s);
      // The server's order (word starts first, then the article's speakers, then
      // the most used) replaces the first guess made from the article's speakers.
      const adder = options.find((o) => o.add);
      const activeId = options[active] && !options[active].add ? options[active].id : null;
      options = found.slice(0, 20);
      if (adder) options.push(adder);
      active = moved ? Math.max(0, options.findIndex((o) => o.id === activeId)) : 0;
      render();
    } catch {
      // The registry search is out of reach: the article's speakers still filter.
    }
  }

  function choose(i) {
    const option = options[i];
    if (!option) return;
    if (option.add) return openNew(option.name);
    pick(option);
  }

  function openNew(typed) {
    newBox.hidden = false;
    const types = (PAGE.speakerTypes || ["person"])
      .map((t) => `<option value="${escapeHtml(t)}">${escapeHtml(t)}</option>`)
      .join("");
    newBox.innerHTML = `
      <p class="hint">A new ${name === "speaker" ? "speaker" : "source"} for the project's registry:</p>
      <div class="field"><label for="${id}-nname">name</label><input type="text" id="${id}-nname" maxlength="300"></div>
      <div class="field"><label for="${id}-ntype">type</label><select id="${id}-ntype">${types}</select></div>
      <div class="field"><label for="${id}-ntitle">title or role</label><input type="text" id="${id}-ntitle" maxlength="300"></div>
      <div class="field"><label for="${id}-naliases">other names (separated by ;)</label><input type="text" id="${id}-naliases" maxlength="1000"></div>
      <p class="error" role="alert" hidden></p>
      <p class="buttons"><button type="button" class="picker-add">Add and choose</button> <button type="button" class="secondary picker-cancel">Cancel</button></p>`;
    const nameInput = newBox.querySelector(`#${id}-nname`);
    nameInput.value = typed;
    newBox.querySelector(`#${id}-ntype`).value = name === "via" ? "organization" : "person";
    nameInput.focus();
    const error = newBox.querySelector(".error");
    const add = async () => {
      const body = {
        name: nameInput.value.trim(),
        type: newBox.querySelector(`#${id}-ntype`).value,
        title: newBox.querySelector(`#${id}-ntitle`).value.trim(),
        aliases: newBox.querySelector(`#${id}-naliases`).value.split(";").map((a) => a.trim()).filter(Boolean),
      };
      try {
        const response = await api(PAGE.speakersApi, body);
        const answer = await response.json().catch(() => ({}));
        if (response.ok || (response.status === 409 && answer.speaker)) {
          rememberSpeaker(answer.speaker);
          if (!(PAGE.roster || []).some((s) => s.id === answer.speaker.id)) (PAGE.roster = PAGE.roster || []).push(answer.speaker);
          if (response.status === 409) say(`${answer.speaker.name} is in the registry already: chosen.`);
          pick(answer.speaker);
          return;
        }
        error.hidden = false;
        error.textContent = answer.message || `Not added (HTTP ${response.status}).`;
      } catch {
        error.hidden = false;
        error.textContent = "Not added: the server cannot be reached. Try again.";
      }
    };
    newBox.querySelector(".picker-add").addEventListener("click", add);
    newBox.querySelector(".picker-cancel").addEventListener("click", () => {
      newBox.hidden = true;
      input.focus();
    });
    newBox.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target instanceof HTMLInputElement) {
        event.preventDefault();
        add();
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        newBox.hidden = true;
        input.focus();
      }
    });
  }

  box.open = () => {
    search.hidden = false;
    newBox.hidden = true;
    input.value = "";
    input.focus();
    filter();
  };

  function close() {
    search.hidden = true;
    options = [];
    render();
    document.getElementById("panel-title")?.focus({ preventScroll: true });
  }
  box.close = close;

  input.addEventListener("input", filter);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      event.stopPropagation();
      if (!options.length) return;
      moved = true;
      active = (active + (event.key === "ArrowDown" ? 1 : -1) + options.length) % options.length;
      render();
      list.children[active]?.scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault();
      event.stopPropagation();
      choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  box.querySelector(".picker-open").addEventListener("click", () => {
    setCursor(name, { scroll: false });
    box.open();
  });
  box.refresh();
  return box;
}

// ---------------------------------------------------------------- setting up a panel

function setUp() {
  panel = document.getElementById("panel");
  form = document.getElementById("annotation-form");
  claimId = panel && panel.dataset.claimId ? Number(panel.dataset.claimId) : null;
  if (!form) return;
  const feedback = document.createElement("p");
  feedback.id = "key-feedback";
  feedback.className = "hint key-feedback";
  feedback.setAttribute("role", "status");
  feedback.setAttribute("aria-live", "polite");
  form.prepend(feedback);
  for (const row of form.querySelectorAll(".speaker-row")) makePicker(row);
  for (const holder of form.querySelectorAll("[data-suggested]")) {
    const element = form.elements[holder.dataset.suggested];
    holder.dataset.initial = element ? element.value : "";
  }
  form.addEventListener("change", (event) => {
    if (event.target.closest(".picker")) return;
    if (event.target.name === "note") return;
    changed();
  });
  form.addEventListener("input", (event) => {
    if (event.target.name === "note") changed({ burst: true });
  });
  form.elements.note?.addEventListener("blur", () => {
    noteBurst = false;
  });
  form.addEventListener("focusin", (event) => {
    const holder = event.target.closest("[data-field]");
    if (holder) setCursor(holder.dataset.field, { scroll: false });
  });
  form.addEventListener("submit", (event) => {
    // The buttons mark done (or save a draft) in the background as the keys do.
    event.preventDefault();
    const button = event.submitter;
    if (button && button.value === "draft") {
      queueSave(claimId, { delay: 0 });
      return;
    }
    markDone({ next: Boolean(button && button.name === "next_claim") || button?.id === "accept-suggestions" });
  });
  lastSnapshot = snapshot();
  noteBurst = false;
  setCursor(firstCursor(), { scroll: false });
  selectInText();
  prefetch();
}

function markDone({ next = true } = {}) {
  if (!form) return undefined;
  const { body } = collect();
  if (isEmptyBody(body)) {
    say("Nothing is set on this claim: set a field before marking it done.");
    return undefined;
  }
  queueSave(claimId, { delay: 0, done: true });
  markInText(claimId, "submitted");
  return next ? goNextOpen() : undefined;
}

function pickDigit(digit) {
  if (!form || !cursor) return;
  const holder = fieldNamed(cursor);
  if (!holder) return;
  if (holder.classList.contains("speaker-row")) {
    const picker = holder.querySelector(".picker");
    if (picker && picker.pickDigit(digit) !== false) advance();
    return;
  }
  if (cursor === "note") return;
  const radios = Array.from(holder.querySelectorAll("input[type=radio]"));
  const radio = radios[digit];
  if (!radio) {
    say(`${holder.querySelector("legend").firstChild.textContent.trim()} has no value ${digit}.`);
    return;
  }
  if (!radio.checked) {
    radio.checked = true;
    changed();
  }
  advance();
}

function moveTo(action) {
  // The field's key: the speaker and via open their picker; the stance key goes to
  // the targets in order, again to the next one.
  if (!form) return;
  if (action === "speaker" || action === "via") {
    setCursor(action);
    fieldNamed(action)?.querySelector(".picker")?.open();
    return;
  }
  if (action === "note") {
    setCursor("note");
    form.elements.note.focus();
    return;
  }
  setCursor(action);
}

const helpBox = document.getElementById("help");
let helpReturn = null;
function toggleHelp(open = helpBox.hidden) {
  if (!helpBox) return;
  helpBox.hidden = !open;
  if (open) {
    helpReturn = document.activeElement;
    document.getElementById("help-close").focus();
  } else if (helpReturn) helpReturn.focus({ preventScroll: true });
}
document.getElementById("help-button")?.addEventListener("click", () => toggleHelp(true));
document.getElementById("help-close")?.addEventListener("click", () => toggleHelp(false));

const codebook = document.getElementById("codebook");
function toggleCodebook(open = !codebook.classList.contains("open")) {
  codebook.classList.toggle("open", open);
  document.getElementById("codebook-button")?.setAttribute("aria-expanded", open ? "true" : "false");
  if (open) {
    codebook.querySelector("details.guidelines")?.setAttribute("open", "");
    codebook.focus?.();
  }
}
if (codebook) {
  codebook.tabIndex = -1;
  document.getElementById("codebook-button")?.addEventListener("click", () => toggleCodebook());
  document.getElementById("codebook-close")?.addEventListener("click", () => toggleCodebook(false));
}

// Returns the promise of an action that moves to another claim: the next key waits.
function run(action, event) {
  const stanceKeys = KEYS.stance || [];
  if (action === "next") return go(1);
  if (action === "previous") return go(-1);
  if (action === "next-open") return goNextOpen();
  if (action === "done") return markDone();
  if (action === "accept") {
    if (panel && panel.dataset.canAccept) return markDone();
    say("This claim has no suggestions to accept.");
  } else if (action === "undo") undo();
  else if (action === "help") toggleHelp();
  else if (action === "codebook") toggleCodebook();
  else if (action === "stance") {
    const targets = fields().map((h) => h.dataset.field).filter((n) => n.startsWith("stance_"));
    const index = stanceKeys.indexOf(event.key);
    let target = targets[index];
    if (index === stanceKeys.length - 1 && cursor === target) {
      target = targets[(targets.indexOf(cursor) + 1) % targets.length];
    }
    if (target) setCursor(target);
  } else moveTo(action);
  return undefined;
}

document.addEventListener("keydown", (event) => {
  if (event.isComposing || event.altKey || event.metaKey) return;
  if (helpBox && !helpBox.hidden) {
    if (event.key === "Escape" || ACTION_OF.get(event.key) === "help") {
      event.preventDefault();
      toggleHelp(false);
    }
    return;
  }
  if (event.ctrlKey && event.key === "Enter") {
    const other = event.target instanceof Element && event.target.closest("form");
    if (form && (!other || other === form)) {
      event.preventDefault();
      markDone();
    }
    return;
  }
  if (event.ctrlKey && (event.key === "z" || event.key === "Z") && !isTyping(event.target)) {
    event.preventDefault();
    undo();
    return;
  }
  if (event.ctrlKey) return;
  if (isTyping(event.target)) {
    if (event.key === "Escape") {
      event.target.blur();
      document.getElementById("panel-title")?.focus({ preventScroll: true });
    }
    return;
  }
  if (event.key === "Escape") {
    hideSelectionTools();
    if (codebook && codebook.classList.contains("open")) toggleCodebook(false);
    return;
  }
  const target = event.target instanceof Element ? event.target : null;
  // Enter and Space keep their meaning on a button, a link or a summary.
  if ((event.key === "Enter" || event.key === " ") && target && target.closest("button, a, summary, select")) return;
  if (!/^[0-9]$/.test(event.key) && !ACTION_OF.has(event.key)) return;
  event.preventDefault();
  waitingKeys.push({ key: event.key });
  if (!draining) drain();
});

// The keys are done one after the other, each on the claim the one before left
// shown: a key pressed while the next claim is on its way applies to that claim.
const waitingKeys = [];
let draining = false;
async function drain() {
  draining = true;
  try {
    while (waitingKeys.length) {
      while (swapping) await swapping.catch(() => {});
      await act(waitingKeys.shift());
    }
  } finally {
    draining = false;
  }
}

// A digit or an action's key, pressed on the page (not while typing).
async function act(pressed) {
  try {
    if (/^[0-9]$/.test(pressed.key)) {
      if (form) pickDigit(Number(pressed.key));
      return;
    }
    const action = ACTION_OF.get(pressed.key);
    if (action) await run(action, pressed);
  } catch (error) {
    say(`That key did not work: ${error.message}`);
  }
}

// A claim clicked in the text opens in the panel, as j and k do.
text?.addEventListener("click", (event) => {
  const link = event.target instanceof Element && event.target.closest("a.claim");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  if (!window.getSelection().isCollapsed) {
    event.preventDefault();
    return;
  }
  event.preventDefault();
  show(Number(link.dataset.claimId));
});

// ---------------------------------------------------------------- boundaries by selection

const selectionTools = document.getElementById("selection-tools");
let chosen = null; // [start, end] of the selection, article offsets

function hideSelectionTools() {
  if (selectionTools) selectionTools.hidden = true;
  chosen = null;
}

function offsetIn(link, node, offset) {
  let at = Number(link.dataset.o);
  for (const each of textNodesOf(link)) {
    if (each === node) return at + offset;
    at += each.length;
  }
  if (node === link) return Number(link.dataset.o);
  return null;
}

function selectionInClaim() {
  const selection = window.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  const link = document.getElementById(`c${claimId}`);
  if (!link || !link.contains(range.startContainer) || !link.contains(range.endContainer)) return null;
  const start = offsetIn(link, range.startContainer, range.startOffset);
  const end = offsetIn(link, range.endContainer, range.endOffset);
  if (start === null || end === null || end <= start) return null;
  return [start, end, range.getBoundingClientRect()];
}

function offerSelection() {
  if (!selectionTools || !document.getElementById("split-form")) return;
  const found = selectionInClaim();
  if (!found) return hideSelectionTools();
  const [start, end, box] = found;
  chosen = [start, end];
  selectionTools.hidden = false;
  selectionTools.style.top = `${window.scrollY + box.bottom + 6}px`;
  selectionTools.style.left = `${window.scrollX + box.left}px`;
}

text?.addEventListener("mouseup", () => setTimeout(offerSelection, 0));
text?.addEventListener("keyup", (event) => {
  if (event.shiftKey) offerSelection();
});
document.getElementById("split-here")?.addEventListener("click", () => {
  const split = document.getElementById("split-form");
  if (!chosen || !split) return;
  split.querySelector("#split-at").value = String(chosen[0]);
  split.querySelector('[name="at_text"]').value = "";
  split.submit();
});
document.getElementById("trim-to-selection")?.addEventListener("click", () => {
  const trim = document.getElementById("trim-form");
  if (!chosen || !trim) return;
  trim.elements.start.value = String(chosen[0]);
  trim.elements.end.value = String(chosen[1]);
  trim.submit();
});

// ---------------------------------------------------------------- more claims on scrolling

// Put the claims a "more claims" link leads to in its place. Claims put in above
// what the annotator reads must not push it down: the page scrolls by what they add.
async function loadMore(link) {
  if (link.dataset.loading === "done") return;
  link.dataset.loading = "1";
  const url = new URL(link.dataset.fragment, window.location.href);
  if (claimId) url.searchParams.set("marks", String(claimId));
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (!response.ok) {
    link.classList.add("failed");
    delete link.dataset.loading;
    throw new Error(`claims not loaded: HTTP ${response.status}`);
  }
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  const added = Array.from(template.content.querySelectorAll("a.more-claims"));
  const earlier = link.classList.contains("more-earlier");
  const height = text.scrollHeight;
  const scroller = text.scrollHeight > text.clientHeight ? text : null;
  link.dataset.loading = "done";
  link.replaceWith(template.content);
  if (earlier) {
    if (scroller) scroller.scrollTop += text.scrollHeight - height;
    else window.scrollBy(0, document.documentElement.scrollHeight - height);
  }
  for (const each of added) watch(each);
}

const observer =
  "IntersectionObserver" in window
    ? new IntersectionObserver(
        (found) => {
          for (const entry of found) {
            if (!entry.isIntersecting || entry.target.dataset.loading) continue;
            observer.unobserve(entry.target);
            // On failure the link stays: it still opens those claims.
            loadMore(entry.target).catch(() => {});
          }
        },
        // The text scrolls in its own box: watch that box, 600 pixels ahead.
        { root: text, rootMargin: "600px 0px" },
      )
    : null;

function watch(link) {
  if (observer && link.dataset.fragment) observer.observe(link);
}

// ---------------------------------------------------------------- start

// With the script, the text and the panel fill the window below the page's head and
// scroll apart, so the panel stays in view whatever the text's length.
const workspace = document.querySelector(".workspace");
function fit() {
  if (!workspace) return;
  if (window.matchMedia("(max-width: 900px)").matches) {
    workspace.style.height = "";
    return;
  }
  const top = workspace.getBoundingClientRect().top + window.scrollY;
  workspace.style.height = `${Math.max(320, window.innerHeight - top - 8)}px`;
}
window.addEventListener("resize", fit);

if (aside) {
  fit();
  const pending = document.createElement("p");
  pending.id = "pending-saves";
  pending.className = "flash warning";
  pending.setAttribute("role", "status");
  pending.hidden = true;
  document.querySelector(".toolbar")?.append(pending);
  setUp();
  const selected = document.getElementById(`c${claimId}`);
  if (selected) selected.scrollIntoView({ block: "center" });
  document.getElementById("claim-filter")?.addEventListener("change", () => {
    say("j and k now move through the claims chosen; n still goes to the next claim not done.");
  });
}
// The claims around the window load once the page answers keys (the first key's
// panel goes first).
setTimeout(() => {
  for (const link of document.querySelectorAll("a.more-claims")) watch(link);
}, 400);
window.addEventListener("pageshow", (event) => {
  // A page from the back-forward cache shows old values and versions: fetch it again.
  if (event.persisted) window.location.reload();
});
