// Keyboard navigation on the annotation page. The page works without it:
// every claim is a link and the form posts normally.
const claims = Array.from(document.querySelectorAll("a.claim"));
const selected = document.querySelector("a.claim.selected");

function isTyping(event) {
  const el = event.target;
  return el instanceof HTMLElement && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) && el.type !== "radio");
}

function go(offset) {
  if (!claims.length) return;
  const index = selected ? claims.indexOf(selected) : -1;
  const next = claims[Math.min(Math.max(index + offset, 0), claims.length - 1)];
  if (next && next !== selected) window.location.href = next.href;
}

if (selected) selected.scrollIntoView({ block: "center" });

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.metaKey) return;
  if (event.ctrlKey && event.key === "Enter") {
    const form = document.getElementById("annotation-form");
    if (form) {
      event.preventDefault();
      (document.getElementById("save-next") || document.getElementById("save")).click();
    }
    return;
  }
  if (event.ctrlKey || isTyping(event)) return;
  if (event.key === "j") go(1);
  else if (event.key === "k") go(-1);
  else if (event.key === "n") {
    const link = document.getElementById("next-open");
    if (link) window.location.href = link.href;
  }
});
