// Generate page: example prompts fill the box, a character count, a busy button on submit.
// Track page: polls the track's status (~every 500 ms) and shows the stage the worker
// reports until the track is ready or failed, then reloads to show the player or reason.

const STAGE_ORDER = ["queued", "starting", "composing", "rendering", "mastering", "encoding", "saving", "ready"];
const STAGE_TEXT = {
  queued: "Waiting for a worker",
  starting: "Starting",
  composing: "Composing the melody, harmony and groove",
  rendering: "Playing it on the instruments",
  mastering: "Mixing and mastering",
  encoding: "Encoding the files",
  saving: "Saving the files",
};

function initGenerateForm() {
  const form = document.querySelector("[data-generate-form]");
  if (!form) return;
  const prompt = form.querySelector("[data-prompt]");
  const count = form.querySelector("[data-prompt-count]");
  const showCount = () => { if (count) count.textContent = String(prompt.value.trim().length); };
  prompt.addEventListener("input", showCount);
  showCount();

  for (const chip of document.querySelectorAll("[data-example]")) {
    chip.addEventListener("click", (event) => {
      event.preventDefault();
      prompt.value = chip.dataset.example;
      showCount();
      prompt.focus();
    });
  }

  form.addEventListener("submit", () => {
    const button = form.querySelector("[data-generate-button]");
    const note = form.querySelector("[data-generate-note]");
    // Disabled after this tick so the browser still submits the form.
    window.setTimeout(() => {
      button.disabled = true;
      button.textContent = "Starting…";
      if (note) note.textContent = "Sending your request";
    }, 0);
  });
}

function describe(status) {
  if (status.status === "queued") {
    const queue = status.queue || {};
    let text = STAGE_TEXT.queued;
    if (queue.ahead) text += ` — ${queue.ahead} track${queue.ahead === 1 ? "" : "s"} ahead of yours`;
    text += ".";
    if (queue.workers === 0) text += " No generation worker has checked in recently; your track will start as soon as one does.";
    return text;
  }
  return `${STAGE_TEXT[status.stage] || status.stage}… ${Math.round((status.progress || 0) * 100)}%`;
}

function initProgress() {
  const panel = document.querySelector("[data-progress]");
  if (!panel) return;
  const bar = panel.querySelector("[data-progress-bar]");
  const text = panel.querySelector("[data-progress-text]");
  const items = panel.querySelectorAll("[data-stage]");
  let failures = 0;

  const show = (status) => {
    bar.value = status.progress || 0;
    text.textContent = describe(status);
    const current = STAGE_ORDER.indexOf(status.stage === "starting" || status.stage === "saving"
      ? (status.stage === "starting" ? "composing" : "encoding") : status.stage);
    for (const item of items) {
      const index = STAGE_ORDER.indexOf(item.dataset.stage);
      item.classList.toggle("done", index < current);
      if (index === current) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    }
  };

  const poll = async () => {
    try {
      const response = await fetch(panel.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 404) { text.textContent = "This track no longer exists."; return; }
      if (!response.ok) throw new Error(String(response.status));
      const status = await response.json();
      failures = 0;
      show(status);
      if (status.status === "ready" || status.status === "failed") {
        window.location.reload();
        return;
      }
    } catch {
      failures += 1;
      if (failures >= 3) text.textContent = "Lost touch with the server — still trying…";
    }
    window.setTimeout(poll, failures ? Math.min(5000, 500 * 2 ** failures) : 500);
  };
  window.setTimeout(poll, 300);
}

initGenerateForm();
initProgress();
