// Keyboard shortcuts and scrolling for the annotation page. The page works without
// this file: every claim is a link, the form posts normally, and the links at either
// end of the text ("Earlier claims", "Later claims") open the claims around them.
// This adds keys, and replaces those links with the claims they lead to when they
// scroll into view (a server-rendered fragment of the text, fetched as it is).
//
//   j / k        next / previous claim
//   n            next claim you have not annotated
//   1-9          pick the n-th label of the current label group (0: "not set");
//                the current group is Verifiability until you click or tab into
//                another group (Attribution, a Stance); the help line under the
//                form (#shortcut-help, hidden without JavaScript) names it
//   Ctrl+Enter   save and go to the next unannotated claim (also from the note)
//   a            accept the suggestions: the "Accept suggestions" button (the form
//                as shown, pre-filled from the suggestions, saved the normal way,
//                then the next unannotated claim); only where the button is shown
//
// Keys other than Ctrl+Enter are ignored while typing in a text field, text area
// or select; a save is sent once, however often the keys or buttons are pressed.
//
// A field pre-filled from a suggestion carries a "suggested" badge; once the
// annotator changes that field, the badge goes (the server shows it again only while
// the value is the suggested one).

const selected = document.querySelector("a.claim.selected");
const form = document.getElementById("annotation-form");
const groups = form ? Array.from(form.querySelectorAll("fieldset.radios")) : [];
let currentGroup =
  groups.find((group) => group.dataset.field === "verifiability") || groups[0] || null;

const NOT_TYPING = new Set(["radio", "checkbox", "button", "submit", "reset"]);

function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLInputElement) return !NOT_TYPING.has(target.type);
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

function go(offset) {
  // Read each time: scrolling adds claims to the page.
  const claims = Array.from(document.querySelectorAll("a.claim"));
  if (!claims.length) return;
  const index = selected ? claims.indexOf(selected) : -1;
  const next = claims[Math.min(Math.max(index + offset, 0), claims.length - 1)];
  if (next && next !== selected) window.location.href = next.href;
}

// Radios in a group are "not set" first, then the labels in the codebook's order.
function pick(digit) {
  if (!currentGroup) return;
  const radios = Array.from(currentGroup.querySelectorAll("input[type=radio]"));
  const radio = radios[digit];
  // click() checks the radio and fires input/change like a pointer would.
  if (radio && !radio.checked) radio.click();
}

function markCurrent(group) {
  currentGroup = group;
  for (const each of groups) each.classList.toggle("current-group", each === group);
  const name = document.getElementById("shortcut-group");
  const legend = group && group.querySelector("legend");
  if (name && legend) name.textContent = legend.textContent;
}

// The field changed is no longer the suggestion: take its "suggested" mark away.
function unmark(event) {
  const holder = event.target instanceof Element && event.target.closest("[data-suggested]");
  if (!holder) return;
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

if (form) {
  markCurrent(currentGroup);
  form.addEventListener("input", unmark);
  form.addEventListener("change", unmark);
  form.addEventListener("focusin", (event) => {
    const group = event.target.closest("fieldset.radios");
    if (group) markCurrent(group);
  });
  let sent = false;
  form.addEventListener("submit", (event) => {
    if (sent) event.preventDefault();
    sent = true;
  });
  // A page restored from the back-forward cache shows the values and the version
  // it had then; another tab may have saved since. Fetch it again (the server also
  // forbids storing the page, so this is only a fallback).
  window.addEventListener("pageshow", (event) => {
    sent = false;
    if (event.persisted) window.location.reload();
  });
  const help = document.getElementById("shortcut-help");
  if (help) help.hidden = false;
}

if (selected) selected.scrollIntoView({ block: "center" });

// Put the claims a "more claims" link leads to in its place. Claims put in above
// what the annotator reads must not push it down: the page scrolls by what they add.
async function loadMore(link) {
  const response = await fetch(link.dataset.fragment, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (!response.ok) throw new Error(`claims not loaded: HTTP ${response.status}`);
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  const added = Array.from(template.content.querySelectorAll("a.more-claims"));
  const earlier = link.classList.contains("more-earlier");
  const height = document.documentElement.scrollHeight;
  link.replaceWith(template.content);
  if (earlier) window.scrollBy(0, document.documentElement.scrollHeight - height);
  for (const each of added) watch(each);
}

const observer =
  "IntersectionObserver" in window
    ? new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting || entry.target.dataset.loading) continue;
            const link = entry.target;
            link.dataset.loading = "1";
            observer.unobserve(link);
            // On failure the link stays: it still opens those claims.
            loadMore(link).catch(() => link.classList.add("failed"));
          }
        },
        { rootMargin: "600px 0px" },
      )
    : null;

function watch(link) {
  if (observer && link.dataset.fragment) observer.observe(link);
}

for (const link of document.querySelectorAll("a.more-claims")) watch(link);

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.metaKey || event.isComposing) return;
  if (event.ctrlKey && event.key === "Enter") {
    // Only for the annotation form: Ctrl+Enter in the split or trim form is theirs.
    const other = event.target instanceof Element && event.target.closest("form");
    if (form && (!other || other === form)) {
      event.preventDefault();
      form.requestSubmit(document.getElementById("save-next") || document.getElementById("save"));
    }
    return;
  }
  if (event.ctrlKey || isTyping(event.target)) return;
  if (event.key === "j") go(1);
  else if (event.key === "k") go(-1);
  else if (event.key === "n") {
    const link = document.getElementById("next-open");
    if (link) window.location.href = link.href;
  } else if (event.key === "a" && !event.shiftKey) {
    const accept = document.getElementById("accept-suggestions");
    if (form && accept) {
      event.preventDefault();
      form.requestSubmit(accept);
    }
  } else if (/^[0-9]$/.test(event.key) && form) {
    event.preventDefault();
    pick(Number(event.key));
  }
});
