// Resident page, home view: the site, its numbers and the latest answers.
import { el, fill } from "/static/common/dom.js";
import { $, showError } from "/static/resident/shared.js";

// ---- home -------------------------------------------------------------------------------

export function renderHome(data) {
  const site = data.site;
  document.title = `${site.name} · 有事好商量`;
  $("site-name").textContent = site.name;
  $("unit-path").textContent = site.unit_path;
  $("site-village").textContent = `${site.kind_name} · ${site.village}`;
  $("site-address").textContent = site.address || "";
  $("site-stats").textContent =
    `今年收到反映 ${data.stats.received_this_year} 件，已答复 ${data.stats.answered_this_year} 件`;
  const list = $("recent-list");
  fill(list, data.recent_answers.map((item) => el("li", {},
    el("div", { class: "muted" }, `${item.category} · ${item.answered_at || ""}`),
    el("div", {}, item.excerpt),
    el("div", { class: "answer-line" }, el("strong", {}, "答复："), item.answer))));
  $("recent-empty").hidden = data.recent_answers.length > 0;
  if (!site.active) showError($("page-error"), { message: "该议事点已停用，请扫描新的二维码" });
}
