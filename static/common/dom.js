// The one DOM builder: el("tr", {class: "x", onclick: f, "aria-label": "…"}, child, "text").
// Attributes are set as attributes ("class", "for", "hidden": "", data-*, aria-*), except the
// DOM properties below; on* keys with a function add a listener; null/undefined children are
// skipped, other values become text.
const PROPERTIES = new Set(["textContent", "className", "htmlFor"]);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (PROPERTIES.has(k)) node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c != null) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// Older WeChat/X5 WebViews lack replaceChildren; clear and append instead.
export function fill(node, children) {
  while (node.firstChild) node.removeChild(node.firstChild);
  for (const child of children) node.appendChild(child);
}

// Make a click-only element (a table row, an <a> without href) reachable by keyboard: it
// takes focus, and Enter or Space does what a click does. `role` names it for screen readers
// (null keeps the element's own, e.g. a table row).
export function activatable(node, handler, role = "button") {
  if (!node.hasAttribute("tabindex")) node.tabIndex = 0;
  if (role && !node.hasAttribute("role")) node.setAttribute("role", role);
  node.addEventListener("click", handler);
  node.addEventListener("keydown", (event) => {
    if (event.target !== node || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    handler(event);
  });
  return node;
}
