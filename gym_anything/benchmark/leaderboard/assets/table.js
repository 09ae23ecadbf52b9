// Sortable tables: click a header to sort by that column (numbers numerically, first click descending;
// text alphabetically, first click ascending; a second click reverses). A cell's data-sort overrides its text.
"use strict";
(function () {
  function cellValue(row, index, numeric) {
    const cell = row.cells[index];
    const raw = cell ? (cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim()) : "";
    if (!numeric) return raw.toLowerCase();
    const value = parseFloat(raw);
    return Number.isNaN(value) ? -Infinity : value;
  }

  function sortTable(table, th) {
    const index = Array.prototype.indexOf.call(th.parentNode.cells, th);
    const numeric = th.dataset.type === "number";
    const current = th.getAttribute("aria-sort");
    const direction = current ? (current === "ascending" ? "descending" : "ascending")
      : (numeric ? "descending" : "ascending");
    const sign = direction === "ascending" ? 1 : -1;
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      const x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      return x < y ? -sign : x > y ? sign : 0;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", direction);
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th) {
      th.addEventListener("click", function () { sortTable(table, th); });
    });
  });
})();
