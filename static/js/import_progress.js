// The progress page of an import: poll its JSON state and show "items done of
// total"; when the job is no longer running, reload, which shows the report.
// Without this file the page refreshes itself (a <noscript> meta refresh).

const section = document.getElementById("import-progress");
const bar = section ? section.querySelector("progress") : null;
const line = section ? section.querySelector('[data-field="progress"]') : null;
const counts = section ? section.querySelector('[data-field="counts"]') : null;
const number = new Intl.NumberFormat("en");

// "1 item", "2 items": the count with the noun that fits it (workbench/words.py).
function counted(count, singular, plural = `${singular}s`) {
  return `${number.format(count)} ${count === 1 ? singular : plural}`;
}

function show(state) {
  bar.max = Math.max(state.total, 1);
  bar.value = state.done;
  line.textContent =
    `${number.format(state.done)} of ${counted(state.total, "item")} done ` +
    `(${state.files_read} of ${counted(state.files_total, "file")} read)`;
  const duplicates = state.duplicates === 1 ? "a duplicate" : "duplicates";
  counts.textContent =
    `${number.format(state.imported)} imported, ${number.format(state.duplicates)} ` +
    `skipped as ${duplicates}, ${number.format(state.rejected)} rejected`;
}

async function poll() {
  try {
    const response = await fetch(section.dataset.progressUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.ok) {
      const state = await response.json();
      if (state.status !== "running") {
        window.location.reload();
        return;
      }
      show(state);
    }
  } catch (error) {
    // A network hiccup: try again at the next tick.
  }
  window.setTimeout(poll, 1000);
}

if (section && bar && line && counts) {
  window.setTimeout(poll, 500);
}
