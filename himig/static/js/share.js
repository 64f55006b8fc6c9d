// Share box: the browser's native share sheet where there is one (phones mostly);
// copy-link buttons are handled by app.js ([data-copy]).
for (const box of document.querySelectorAll("[data-share]")) {
  const button = box.querySelector("[data-native-share]");
  const input = box.querySelector("[data-share-input]");
  if (input) input.addEventListener("focus", () => input.select());
  if (!button || typeof navigator.share !== "function") continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.share({ title: box.dataset.shareText, text: box.dataset.shareText, url: box.dataset.shareUrl });
    } catch {
      // Dismissing the share sheet is not an error worth showing.
    }
  });
}
