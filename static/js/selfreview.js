/* Self-review annex grid: small keyboard helpers on top of htmx (no inline script under the CSP).
   - In a rating box, type 1–4 to rate (the browser does this) and Delete or Backspace to clear it.
   - Each cell says "Saving…" while its change is on its way; the server answers "Saved" or the conflict. */
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("select[data-annex-rating]")) return;
    if ((event.key === "Delete" || event.key === "Backspace") && el.value !== "") {
      event.preventDefault();
      el.value = "";
      el.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest && event.target.closest("form.annex-cell");
    if (!form) return;
    var status = form.querySelector(".annex-status");
    if (status) status.textContent = "Saving…";
  });

  document.addEventListener("htmx:responseError", function (event) {
    var form = event.target.closest && event.target.closest("form.annex-cell");
    if (!form) return;
    var status = form.querySelector(".annex-status");
    if (status) status.textContent = "Not saved: please try again.";
  });
})();
