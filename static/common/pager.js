// Paging for long lists: a pager bar (上一页 · 第 n / m 页 · 下一页) under a table, fed either
// by the server (page, per_page, total) or by rows already in the page (pageRows).
import { el, fill } from "/static/common/dom.js";

// Draw the pager into `node`; onPage(n) is called with the page the user asks for.
export function pager(node, { page, perPage, total, onPage }) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  node.classList.add("pager");
  node.hidden = total <= perPage;
  const button = (label, target, name) => el("button", {
    type: "button", class: "secondary small", "data-page": name, textContent: label,
    ...(target < 1 || target > pages ? { disabled: "" } : {}),
    onclick: () => onPage(target),
  });
  fill(node, [
    button("上一页", page - 1, "prev"),
    el("span", { class: "pager-at", "aria-live": "polite" }, `第 ${page} / ${pages} 页（共 ${total} 条）`),
    button("下一页", page + 1, "next"),
  ]);
  return pages;
}

// Show `perPage` of a table's body rows at a time with a pager after the table.
export function pageRows(table, rows, perPage, page = 1) {
  let holder = table.nextElementSibling;
  if (!holder || !holder.classList.contains("pager")) {
    holder = el("div", { class: "pager" });
    table.after(holder);
  }
  const show = (n) => {
    rows.forEach((row, i) => { row.hidden = i < (n - 1) * perPage || i >= n * perPage; });
    pager(holder, { page: n, perPage, total: rows.length, onPage: show });
  };
  show(page);
}
