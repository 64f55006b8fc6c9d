// Himig's shared browser helpers: colour theme, CSRF-aware fetch, toasts.
// Loaded as a module on every page; other modules can import these functions
// (`import { csrfFetch, toast } from "/static/js/app.js"`) or use window.Himig.

const THEME_COOKIE = "himig_theme";
const THEMES = ["light", "dark"];

/** The CSRF token from the page's meta tag (always present), else the cookie. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) return meta.content;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** fetch() that sends the CSRF header and same-origin cookies; JSON bodies are encoded for you. */
export function csrfFetch(url, options = {}) {
  const opts = { credentials: "same-origin", ...options };
  const headers = new Headers(opts.headers || {});
  headers.set("X-CSRFToken", csrfToken());
  if (!headers.has("Accept")) headers.set("Accept", "application/json");
  const body = opts.body;
  if (body !== undefined && body !== null && typeof body === "object" &&
      !(body instanceof FormData) && !(body instanceof Blob) && !(body instanceof URLSearchParams)) {
    headers.set("Content-Type", "application/json");
    opts.body = JSON.stringify(body);
  }
  opts.headers = headers;
  return fetch(url, opts);
}

/** Show a short message in the live region; kind is "info" or "error". */
export function toast(message, kind = "info", ms = 4000) {
  const region = document.getElementById("toast-region");
  if (!region) return;
  const el = document.createElement("div");
  el.className = kind === "error" ? "toast toast-error" : "toast";
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.textContent = message;
  region.appendChild(el);
  window.setTimeout(() => el.remove(), ms);
}

function currentTheme() {
  const explicit = document.documentElement.dataset.theme;
  if (THEMES.includes(explicit)) return explicit;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

// The choice lives in a cookie so the server renders data-theme on <html> and
// the page never flashes the wrong theme (an inline script would break the CSP).
function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${THEME_COOKIE}=${theme}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
}

function initThemeToggle() {
  for (const button of document.querySelectorAll("[data-theme-toggle]")) {
    const label = () => `Switch to ${currentTheme() === "dark" ? "light" : "dark"} theme`;
    button.setAttribute("aria-label", label());
    button.title = label();
    button.addEventListener("click", () => {
      setTheme(currentTheme() === "dark" ? "light" : "dark");
      button.setAttribute("aria-label", label());
      button.title = label();
    });
  }
}

// Buttons that copy text: <button data-copy="text to copy">.
function initCopyButtons() {
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      toast("Copied to the clipboard");
    } catch {
      toast("Could not copy — select the text and copy it yourself", "error");
    }
  });
}

// Forms with data-confirm="question" ask before submitting (e.g. delete).
function initConfirmForms() {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
}

// Range inputs with data-output="id" show their value in that <output>.
function initRangeOutputs() {
  for (const range of document.querySelectorAll('input[type="range"][data-output]')) {
    const out = document.getElementById(range.dataset.output);
    if (!out) continue;
    const show = () => { out.textContent = `${range.value} s`; };
    range.addEventListener("input", show);
    show();
  }
}

// A page can load this file under two URLs (the hashed one from base.html and
// "./app.js" imported by another module), i.e. two module instances; bind the page
// once, or every theme click would toggle twice and every delete would ask twice.
if (!window.Himig) {
  initThemeToggle();
  initCopyButtons();
  initConfirmForms();
  initRangeOutputs();
  window.Himig = { csrfToken, csrfFetch, toast };
}
