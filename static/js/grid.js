/* The class assessment grid: keyboard movement between cells. Tab and Shift+Tab move along a row (the
   browser's own order); Enter moves down a column and Shift+Enter up, as in a spreadsheet; the arrow keys
   Up and Down do the same. Each cell saves itself through htmx when it changes (on leaving it). */
(function () {
  "use strict";

  function columnInputs(input) {
    var table = input.closest("[data-assessment-grid]");
    if (!table) return [];
    var col = input.dataset.gridCol;
    return Array.prototype.slice.call(table.querySelectorAll("input.grid-input")).filter(function (el) {
      return el.dataset.gridCol === col;
    });
  }

  function move(input, step) {
    var column = columnInputs(input);
    var index = column.indexOf(input);
    var next = column[index + step];
    if (next) {
      next.focus();
      next.select();
    }
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("grid-input")) return;
    if (event.key === "Enter") {
      event.preventDefault();
      move(input, event.shiftKey ? -1 : 1);
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      move(input, 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      move(input, -1);
    }
  });

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.classList.contains("grid-input")) input.select();
  });
})();
