// Resident page at /s/{code}: the site, the report form, and "my reports" (hash routes).
import { api, ensureResidentToken } from "/static/common/api.js";

const code = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const LARGE_KEY = "sl.large";
const $ = (id) => document.getElementById(id);
const state = { overview: null, photos: [], category: null, key: null, similarTimer: 0,
  similarText: "", rating: null, busy: false, ready: null };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// Older WeChat/X5 WebViews lack replaceChildren; clear and append instead.
function fill(node, children) {
  while (node.firstChild) node.removeChild(node.firstChild);
  for (const child of children) node.appendChild(child);
}

function showError(box, err) {
  box.textContent = (err && err.message) || "网络不太好，请稍后再试";
  box.hidden = false;
}

function newKey() {
  const bytes = new Uint8Array(16);
  if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return "h5-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---- elder-friendly large text ----------------------------------------------------------

function setLarge(on) {
  document.documentElement.classList.toggle("large", on);
  $("large-toggle").setAttribute("aria-pressed", on ? "true" : "false");
  $("large-toggle").textContent = on ? "标准字" : "大字";
  try { localStorage.setItem(LARGE_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
}

// ---- views ------------------------------------------------------------------------------

const VIEWS = ["home", "report", "receipt", "mine", "detail"];

function show(name) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== name;
  window.scrollTo(0, 0);
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  $("page-error").hidden = true;
  try {
    await state.ready;
  } catch (e) {
    return;
  }
  if (parts[0] === "report") { openForm(); show("report"); return; }
  if (parts[0] === "receipt" && parts[1]) {
    // A reload lands here without the receipt in memory: show the report itself.
    if (!$("receipt-no").textContent) { location.replace(`#/mine/${parts[1]}`); return; }
    show("receipt");
    return;
  }
  if (parts[0] === "mine" && parts[1]) { show("detail"); await loadDetail(decodeURIComponent(parts[1])); return; }
  if (parts[0] === "mine") { show("mine"); await loadMine(); return; }
  show("home");
}

// ---- home -------------------------------------------------------------------------------

function renderHome(data) {
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

// ---- report form ------------------------------------------------------------------------

function openForm() {
  if (!state.key) state.key = newKey();
  const chips = $("category-chips");
  if (!chips.children.length) {
    for (const cat of state.overview.categories) {
      const input = el("input", { type: "radio", name: "category", value: String(cat.id) });
      const label = el("label", {}, input, el("span", {}, cat.name));
      input.addEventListener("change", () => {
        state.category = cat.id;
        for (const l of chips.children) l.classList.toggle("on", l === label);
        scheduleSimilar(true);
      });
      chips.append(label);
    }
  }
}

function renderThumbs() {
  fill($("thumbs"), state.photos.map((p) => el("div", { class: "thumb" },
    el("img", { src: p.thumb_url, alt: "已添加的照片" }),
    el("button", { type: "button", "aria-label": "删除这张照片", onclick: () => {
      state.photos = state.photos.filter((x) => x !== p);
      renderThumbs();
    } }, "✕"))));
  const max = state.overview.limits.photos_max;
  $("add-photo").hidden = state.photos.length >= max;
  $("photo-status").textContent = state.photos.length ? `已添加 ${state.photos.length} / ${max} 张` : "";
}

// Shrink big photos before upload: weak village networks, and it strips metadata early.
async function shrink(file) {
  if (file.size < 1.5 * 1024 * 1024 || !window.createImageBitmap) return file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 2048 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    return blob && blob.size < file.size ? blob : file;
  } catch (e) {
    return file;
  }
}

async function addPhotos(files) {
  const max = state.overview.limits.photos_max;
  const status = $("photo-status");
  for (const file of files) {
    if (state.photos.length >= max) { status.textContent = `最多 ${max} 张照片`; break; }
    status.textContent = "正在上传照片……";
    const form = new FormData();
    form.append("file", await shrink(file), file.name || "photo.jpg");
    try {
      state.photos.push(await api("/api/v1/intake/photos", { method: "POST", form }));
      renderThumbs();
    } catch (err) {
      status.textContent = err.message;
      return;
    }
  }
}

function scheduleSimilar(now) {
  clearTimeout(state.similarTimer);
  state.similarTimer = setTimeout(findSimilar, now ? 0 : 700);
}

async function findSimilar() {
  const text = $("text").value.trim();
  if (text.length < 4 || text === state.similarText) return;
  state.similarText = text;
  try {
    const items = await api("/api/v1/intake/similar", { method: "POST",
      body: { site_code: code, text, category_id: state.category } });
    renderSimilar(items.filter((i) => !i.mine));
  } catch (e) { /* suggestions are optional */ }
}

function renderSimilar(items) {
  $("similar").hidden = items.length === 0;
  fill($("similar-list"), items.map((item) => {
    const button = el("button", { type: "button", class: "secondary" },
      item.supported ? "已表示遇到" : "我也遇到了");
    if (item.supported) button.disabled = true;
    const count = el("span", { class: "muted" }, `${item.support_count} 人也遇到了 · ${item.status}`);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const res = await api(`/api/v1/intake/opinions/${encodeURIComponent(item.tracking_no)}/support`,
          { method: "POST" });
        button.textContent = "已表示遇到，谢谢";
        count.textContent = `${res.support_count} 人也遇到了 · ${item.status}`;
      } catch (err) {
        button.disabled = false;
        showError($("form-error"), err);
      }
    });
    return el("li", {}, el("div", {}, `【${item.category}】${item.excerpt}`), count, button);
  }));
}

async function submitReport(event) {
  event.preventDefault();
  const box = $("form-error");
  box.hidden = true;
  const text = $("text").value.trim();
  if (!state.category) return showError(box, { message: "请先选择问题类别" });
  if (!text) return showError(box, { message: "请写下您要反映的问题" });
  if (state.busy) return;
  state.busy = true;
  $("submit").disabled = true;
  $("submit").textContent = "正在提交……";
  try {
    const receipt = await api("/api/v1/intake/opinions", {
      method: "POST", headers: { "Idempotency-Key": state.key },
      body: { site_code: code, category_id: state.category, text,
        photo_ids: state.photos.map((p) => p.id), phone: $("phone").value.trim() || null,
        anonymous: $("anonymous").checked },
    });
    resetForm();
    $("receipt-no").textContent = receipt.tracking_no;
    $("receipt-message").textContent = receipt.message;
    $("receipt-open").setAttribute("href", `#/mine/${encodeURIComponent(receipt.tracking_no)}`);
    location.hash = `#/receipt/${encodeURIComponent(receipt.tracking_no)}`;
  } catch (err) {
    const fields = err.errors || {};
    const messages = [].concat(...Object.values(fields));
    const first = messages.find((m) => typeof m === "string");
    showError(box, { message: first && err.status === 422 ? `${err.message}：${first}` : err.message });
  } finally {
    state.busy = false;
    $("submit").disabled = false;
    $("submit").textContent = "提交反映";
  }
}

function resetForm() {
  $("report-form").reset();
  state.photos = [];
  state.category = null;
  state.key = null;
  state.similarText = "";
  for (const l of $("category-chips").children) l.classList.remove("on");
  $("text-count").textContent = "0";
  $("similar").hidden = true;
  renderThumbs();
}

// ---- my reports -------------------------------------------------------------------------

function pillClass(status) {
  if (status === "已答复" || status === "已办结") return "pill done";
  if (status === "已收到" || status === "审核中") return "pill wait";
  return "pill";
}

async function loadMine() {
  const list = $("mine-list");
  try {
    const items = await api("/api/v1/intake/my/opinions");
    fill(list, items.map((item) => el("li", {}, el("a", {
      class: "mine-item", href: `#/mine/${encodeURIComponent(item.tracking_no)}` },
    el("div", { class: "row" }, el("strong", {}, item.category),
      el("span", { class: pillClass(item.status) }, item.status)),
    el("div", {}, item.excerpt),
    el("div", { class: "muted" }, `${item.tracking_no} · ${item.created_at}` +
      (item.can_rate ? " · 待您评价" : ""))))));
    $("mine-empty").hidden = items.length > 0;
  } catch (err) {
    showError($("page-error"), err);
  }
}

async function loadDetail(number) {
  try {
    renderDetail(await api(`/api/v1/intake/my/opinions/${encodeURIComponent(number)}`));
  } catch (err) {
    showError($("page-error"), err);
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
  $("rating-box").hidden = !d.can_rate;
  $("rated-box").hidden = !d.rating;
  $("rated-text").textContent = d.rating
    ? `${d.rating_name}${d.rating_comment ? "：" + d.rating_comment : ""}` : "";
  $("rating-box").dataset.number = d.tracking_no;
  fill($("detail-timeline"), d.timeline.map((step) => el("li", {},
    el("span", { class: "when" }, step.at), el("strong", {}, step.label),
    step.note ? el("div", { class: "prewrap" }, step.note) : null)));
}

async function submitRating() {
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
  } finally {
    $("rating-submit").disabled = false;
  }
}

// ---- start ------------------------------------------------------------------------------

async function load() {
  await ensureResidentToken();
  state.overview = await api(`/api/v1/intake/sites/${encodeURIComponent(code)}/overview`);
  renderHome(state.overview);
}

function main() {
  let large = false;
  try { large = localStorage.getItem(LARGE_KEY) === "1"; } catch (e) { /* private mode */ }
  setLarge(large);
  $("large-toggle").addEventListener("click", () =>
    setLarge(!document.documentElement.classList.contains("large")));
  $("text").addEventListener("input", () => {
    $("text-count").textContent = String($("text").value.length);
    scheduleSimilar(false);
  });
  $("photo-input").addEventListener("change", async (e) => {
    await addPhotos(Array.from(e.target.files || []));
    e.target.value = "";
  });
  $("report-form").addEventListener("submit", submitReport);
  for (const button of document.querySelectorAll(".choice")) {
    button.addEventListener("click", () => {
      state.rating = button.dataset.rating;
      for (const b of document.querySelectorAll(".choice"))
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
  }
  $("rating-submit").addEventListener("click", submitRating);
  window.addEventListener("hashchange", route);
  state.ready = load().catch((err) => {
    showError($("page-error"), err);
    $("unit-path").textContent = "";
    throw err;
  });
  route();
}

main();
