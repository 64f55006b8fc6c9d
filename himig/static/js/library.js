// Library and track page: the heart toggles a favorite with a fetch POST (CSRF header)
// instead of a page reload; the form still works without JS.
// Helpers from window.Himig (app.js), not an import: see player.js.

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("[data-favorite-form]")) return;
  event.preventDefault();
  const { csrfFetch, toast } = window.Himig;
  const button = form.querySelector("button");
  const field = form.querySelector('input[name="is_favorite"]');
  const wanted = field.value === "1";
  button.disabled = true;
  try {
    const response = await csrfFetch(form.action, { method: "POST", body: new URLSearchParams({ is_favorite: wanted ? "1" : "0" }) });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    button.setAttribute("aria-pressed", data.is_favorite ? "true" : "false");
    field.value = data.is_favorite ? "0" : "1";
    toast(data.is_favorite ? "Added to favorites" : "Removed from favorites");
  } catch {
    toast("Could not change the favorite — try again", "error");
  } finally {
    button.disabled = false;
  }
});

// Close an open download/rename menu when clicking elsewhere or pressing Escape.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
