// Resident page, "my reports" and one report: the timeline, the answer and its rating.
import { api } from "/static/common/api.js";
import { el, fill } from "/static/common/dom.js";
import { $, showError, state } from "/static/resident/shared.js";

// ---- my reports -------------------------------------------------------------------------

export function pillClass(status) {
  if (status === "已答复" || status === "已办结") return "pill done";
  if (status === "已收到" || status === "审核中") return "pill wait";
  return "pill";
}

export async function loadMine() {
  const list = $("mine-list");
  try {
    const items = await api("/api/v1/intake/my/opinions");
    fill(list, items.map((item) => el("li", {}, el("a", {
      class: "mine-item", href: `#/mine/${encodeURIComponent(item.tracking_no)}` },
    el("div", { class: "row" }, el("strong", {}, item.category),
      el("span", { class: pillClass(item.status) }, item.status)),
    item.relation === "followed" ? el("div", { class: "muted followed" }, "您点过“我也遇到了”，在此关注进展") : null,
    el("div", {}, item.excerpt),
    el("div", { class: "muted" }, `${item.tracking_no} · ${item.created_at}` +
      (item.can_rate && !item.rated_at ? " · 待您评价" : ""))))));
    $("mine-empty").hidden = items.length > 0;
  } catch (err) {
    showError($("page-error"), err);
  }
}

// Reports found from this phone by number + phone digits, kept so a reload finds them again.
const FOUND = "sl.resident.found";
function found() {
  try { return JSON.parse(localStorage.getItem(FOUND) || "{}"); } catch { return {}; }
}

function lookup(number, last4) {
  return api("/api/v1/intake/lookup", { method: "POST", body: { tracking_no: number, phone_last4: last4 } });
}

export async function loadDetail(number) {
  try {
    let detail;
    try {
      detail = await api(`/api/v1/intake/my/opinions/${encodeURIComponent(number)}`);
    } catch (err) {
      const last4 = found()[number];
      if (err.status !== 404 || !last4) throw err;
      detail = await lookup(number, last4);
    }
    renderDetail(detail);
  } catch (err) {
    showError($("page-error"), err);
  }
}

// 查找反映: from any phone, the tracking number and the last 4 digits of the phone given.
export async function findReport(event) {
  event.preventDefault();
  const number = $("find-no").value.trim().toUpperCase();
  const last4 = $("find-phone").value.trim();
  $("find-error").hidden = true;
  try {
    const detail = await lookup(number, last4);
    try { localStorage.setItem(FOUND, JSON.stringify({ ...found(), [detail.tracking_no]: last4 })); } catch { /* private mode */ }
    location.hash = `#/mine/${encodeURIComponent(detail.tracking_no)}`;
  } catch (err) {
    showError($("find-error"), err);
  }
}

function renderDetail(d) {
  $("detail-no").textContent = d.tracking_no;
  $("detail-category").textContent = d.category;
  $("detail-status").textContent = d.status;
  $("detail-status").className = pillClass(d.status);
  $("detail-text").textContent = d.text;
  fill($("detail-photos"), d.photos.map((p) => el("a", { class: "thumb", href: p.url,
    target: "_blank", rel: "noopener" }, el("img", { src: p.thumb_url, alt: "反映时上传的照片" }))));
  const meta = [`提交于 ${d.created_at}`];
  if (d.phone) meta.push(`联系电话 ${d.phone}`);
  if (d.anonymous) meta.push("对工作人员匿名");
  if (d.support_count) meta.push(`${d.support_count} 人也遇到了`);
  $("detail-meta").textContent = meta.join(" · ");
  $("detail-answer-box").hidden = !d.answer;
  $("detail-answer").textContent = d.answer || "";
  $("detail-answered-at").textContent = d.answered_at ? `答复于 ${d.answered_at}` : "";
  renderRating(d);
  fill($("detail-timeline"), d.timeline.map((step) => el("li", {},
    el("span", { class: "when" }, step.at), el("strong", {}, step.label),
    step.note ? el("div", { class: "prewrap" }, step.note) : null)));
}

// "2026-12-05 10:00" -> "12月5日10:00": the day an elder reads, with the exact time it ends.
export function dayTime(text) {
  const m = /^\d{4}-(\d{2})-(\d{2}) (\d{2}:\d{2})/.exec(text || "");
  return m ? `${Number(m[1])}月${Number(m[2])}日${m[3]}` : text || "";
}

export function pickRating(buttons, value) {
  for (const b of buttons) b.setAttribute("aria-pressed", b.dataset.rating === value ? "true" : "false");
}

// A report's rating: the form before the first rating; afterwards the rating itself, with
// "修改评价（…前可修改）" while the 7 days last, then "评价已确定".
function renderRating(d) {
  const rated = Boolean(d.rated_at && d.rating);
  const box = $("rating-box");
  box.dataset.number = d.tracking_no;
  box.dataset.rated = rated ? "1" : "";
  $("rated-box").hidden = !rated;
  $("rated-text").textContent = rated
    ? `${d.rating_name}${d.rating_comment ? "：" + d.rating_comment : ""}` : "";
  const until = dayTime(d.rating_changeable_until);
  $("rated-window").textContent = !rated ? ""
    : d.can_rate ? `评价于 ${d.rated_at}，${until}前可以修改` : "评价已确定";
  $("rating-change").hidden = !(rated && d.can_rate);
  $("rating-change").textContent = `修改评价（${until}前可修改）`;
  $("rating-error").hidden = true;
  // Before the first rating the form is open; a change opens it on request.
  box.hidden = !(d.can_rate && !rated);
  $("rating-title").textContent = "您对答复满意吗？";
  $("rating-submit").textContent = "提交评价";
  $("rating-cancel").hidden = true;
  $("rating-redo-note").hidden = true;
  state.rating = null;
  state.current = rated ? { rating: d.rating, comment: d.rating_comment || "" } : null;
  pickRating(document.querySelectorAll("#rating-box .choice"), null);
  $("rating-comment").value = "";
}

export function openRatingChange() {
  const current = state.current || { rating: null, comment: "" };
  state.rating = current.rating;
  pickRating(document.querySelectorAll("#rating-box .choice"), current.rating);
  $("rating-comment").value = current.comment;
  $("rating-title").textContent = "修改评价";
  $("rating-submit").textContent = "确认修改";
  $("rating-cancel").hidden = false;
  $("rating-redo-note").hidden = true;
  $("rating-change").hidden = true;
  $("rating-box").hidden = false;
  $("rating-box").scrollIntoView({ block: "start" });
}

export function closeRatingChange() {
  $("rating-box").hidden = true;
  $("rating-change").hidden = false;
  $("rating-error").hidden = true;
}

export async function submitRating() {
  const box = $("rating-error");
  box.hidden = true;
  if (!state.rating) return showError(box, { message: "请先选择满意、基本满意或不满意" });
  const number = $("rating-box").dataset.number;
  $("rating-submit").disabled = true;
  try {
    renderDetail(await api(`/api/v1/intake/my/opinions/${encodeURIComponent(number)}/rating`, {
      method: "POST", body: { rating: state.rating, comment: $("rating-comment").value.trim() || null } }));
  } catch (err) {
    showError(box, err);
    // Past the 7 days the server says so; show the rating as it now stands.
    if (err.code === "rating_fixed") loadDetail(number);
  } finally {
    $("rating-submit").disabled = false;
  }
}
