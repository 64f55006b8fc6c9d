// Himig's track player: play/pause, a waveform drawn from the engine's peaks on a
// <canvas> with click/drag-to-seek, keyboard seeking, elapsed/total time and volume.
// Markup: studio/_player.html. Without JS the native <audio controls> remains.
// Shared helpers come from window.Himig (app.js, loaded first by base.html): importing
// "./app.js" would load a second copy under its unhashed name once static files are hashed.

const players = [];

function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// The engine's peaks JSON → magnitudes in 0..1, whatever its exact shape.
function peakValues(data) {
  if (data && !Array.isArray(data) && typeof data === "object") {
    for (const key of ["peaks", "max", "values", "data", "rms"]) {
      if (key in data) return peakValues(data[key]);
    }
    return [];
  }
  if (!Array.isArray(data)) return [];
  if (data.length && Array.isArray(data[0]) && Array.isArray(data[0][0])) return peakValues(data[0]);
  const values = data.map((item) => (Array.isArray(item) ? Math.max(...item.map((v) => Math.abs(v))) : Math.abs(item)));
  const top = Math.max(0, ...values);
  return top > 1 ? values.map((v) => v / top) : values;
}

function cssVar(el, name, fallback) {
  const value = getComputedStyle(el).getPropertyValue(name).trim();
  return value || fallback;
}

class Player {
  constructor(root) {
    this.root = root;
    this.audio = root.querySelector("[data-audio]");
    this.button = root.querySelector("[data-play]");
    this.canvas = root.querySelector("[data-wave]");
    this.elapsed = root.querySelector("[data-elapsed]");
    this.total = root.querySelector("[data-total]");
    this.volume = root.querySelector("[data-volume]");
    this.duration = Number(root.dataset.duration) || 0;
    this.peaks = [];
    this.counted = false;
    this.title = (this.button.getAttribute("aria-label") || "Play").replace(/^Play /, "");

    // Custom controls replace the native ones once the script runs.
    this.audio.controls = false;
    this.audio.hidden = true;
    for (const el of root.querySelectorAll("[hidden]")) {
      if (el !== this.audio) el.hidden = false;
    }
    this.total.textContent = formatTime(this.duration);

    this.button.addEventListener("click", () => this.toggle());
    this.audio.addEventListener("play", () => this.onPlay());
    this.audio.addEventListener("pause", () => this.render());
    this.audio.addEventListener("ended", () => this.render());
    this.audio.addEventListener("timeupdate", () => this.render());
    this.audio.addEventListener("loadedmetadata", () => {
      if (Number.isFinite(this.audio.duration) && this.audio.duration > 0) this.duration = this.audio.duration;
      this.total.textContent = formatTime(this.duration);
      this.render();
    });
    this.audio.addEventListener("error", () => {
      this.root.classList.add("player-error");
      this.elapsed.textContent = "Could not load";
    });
    this.volume.addEventListener("input", () => { this.audio.volume = Number(this.volume.value); });

    this.canvas.addEventListener("pointerdown", (event) => this.onPointer(event));
    this.canvas.addEventListener("keydown", (event) => this.onKey(event));
    new ResizeObserver(() => this.draw()).observe(this.canvas);
    this.loadPeaks();
  }

  async loadPeaks() {
    const url = this.root.dataset.peaks;
    if (url) {
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (response.ok) this.peaks = peakValues(await response.json());
      } catch {
        // A missing waveform only costs the picture; the player still works.
      }
    }
    this.draw();
  }

  toggle() {
    if (this.audio.paused) {
      this.audio.play().catch(() => {
        this.elapsed.textContent = "Could not play";
      });
    } else {
      this.audio.pause();
    }
  }

  onPlay() {
    for (const other of players) {
      if (other !== this && !other.audio.paused) other.audio.pause();
    }
    if (!this.counted && this.root.dataset.playUrl) {
      this.counted = true;
      window.Himig.csrfFetch(this.root.dataset.playUrl, { method: "POST" }).catch(() => {});
    }
    this.render();
  }

  seekTo(seconds) {
    const end = this.duration || this.audio.duration || 0;
    this.audio.currentTime = Math.min(Math.max(0, seconds), Math.max(0, end - 0.05));
    this.render();
  }

  onPointer(event) {
    const rect = this.canvas.getBoundingClientRect();
    const at = (clientX) => ((clientX - rect.left) / rect.width) * (this.duration || 0);
    this.seekTo(at(event.clientX));
    this.canvas.setPointerCapture(event.pointerId);
    const move = (e) => this.seekTo(at(e.clientX));
    const up = () => {
      this.canvas.removeEventListener("pointermove", move);
      this.canvas.removeEventListener("pointerup", up);
    };
    this.canvas.addEventListener("pointermove", move);
    this.canvas.addEventListener("pointerup", up);
  }

  onKey(event) {
    const t = this.audio.currentTime;
    const keys = {
      ArrowRight: () => this.seekTo(t + 5),
      ArrowUp: () => this.seekTo(t + 5),
      ArrowLeft: () => this.seekTo(t - 5),
      ArrowDown: () => this.seekTo(t - 5),
      PageUp: () => this.seekTo(t + 15),
      PageDown: () => this.seekTo(t - 15),
      Home: () => this.seekTo(0),
      End: () => this.seekTo(this.duration),
      " ": () => this.toggle(),
      Enter: () => this.toggle(),
    };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  }

  render() {
    const playing = !this.audio.paused && !this.audio.ended;
    this.root.classList.toggle("is-playing", playing);
    this.button.setAttribute("aria-label", `${playing ? "Pause" : "Play"} ${this.title}`);
    this.elapsed.textContent = formatTime(this.audio.currentTime);
    this.canvas.setAttribute("aria-valuenow", String(Math.round(this.audio.currentTime)));
    this.canvas.setAttribute("aria-valuetext",
      `${formatTime(this.audio.currentTime)} of ${formatTime(this.duration)}`);
    this.draw();
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (!width || !height) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const played = cssVar(this.root, "--accent", "#6d28d9");
    const rest = cssVar(this.root, "--wave-rest", "#c9c3dc");
    const barWidth = 3;
    const gap = 2;
    const count = Math.max(1, Math.floor(width / (barWidth + gap)));
    const fraction = this.duration ? this.audio.currentTime / this.duration : 0;
    for (let i = 0; i < count; i++) {
      let level = 0.3;
      if (this.peaks.length) {
        const from = Math.floor((i / count) * this.peaks.length);
        const to = Math.max(from + 1, Math.floor(((i + 1) / count) * this.peaks.length));
        level = Math.max(...this.peaks.slice(from, to));
      }
      const h = Math.max(2, Math.min(1, level) * (height - 4));
      ctx.fillStyle = (i + 0.5) / count <= fraction ? played : rest;
      ctx.fillRect(i * (barWidth + gap), (height - h) / 2, barWidth, h);
    }
  }
}

for (const root of document.querySelectorAll("[data-player]")) {
  players.push(new Player(root));
}

// Space toggles the player when the page has exactly one and focus is not in a control.
document.addEventListener("keydown", (event) => {
  if (event.key !== " " || players.length !== 1) return;
  const tag = (event.target.tagName || "").toLowerCase();
  if (["input", "textarea", "select", "button", "a", "summary", "canvas"].includes(tag)) return;
  event.preventDefault();
  players[0].toggle();
});
