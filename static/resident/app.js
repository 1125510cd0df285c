// Resident page at /s/{code}: the site, the report form, and "my reports" (hash routes).
import { api, ensureResidentToken } from "/static/common/api.js";

const code = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const LARGE_KEY = "sl.large";
const $ = (id) => document.getElementById(id);
const state = { overview: null, photos: [], category: null, key: null, similarTimer: 0,
  similarText: "", rating: null, busy: false, ready: null, meetingsReady: null };

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
  if (parts[0] === "meeting" && parts[1]) await focusMeeting(decodeURIComponent(parts[1]));
}

// From a meeting's phone page (/m/{code}): bring that meeting, its outcomes and ratings, into view.
async function focusMeeting(meetingCode) {
  await state.meetingsReady;
  const item = [...document.querySelectorAll("li.meeting")].find((li) => li.dataset.meeting === meetingCode);
  if (!item) return;
  item.classList.add("focus");
  item.scrollIntoView({ block: "start" });
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
      (item.can_rate && !item.rated_at ? " · 待您评价" : ""))))));
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
  renderRating(d);
  fill($("detail-timeline"), d.timeline.map((step) => el("li", {},
    el("span", { class: "when" }, step.at), el("strong", {}, step.label),
    step.note ? el("div", { class: "prewrap" }, step.note) : null)));
}

// "2026-12-05 10:00" -> "12月5日10:00": the day an elder reads, with the exact time it ends.
function dayTime(text) {
  const m = /^\d{4}-(\d{2})-(\d{2}) (\d{2}:\d{2})/.exec(text || "");
  return m ? `${Number(m[1])}月${Number(m[2])}日${m[3]}` : text || "";
}

function pickRating(buttons, value) {
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

function openRatingChange() {
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

function closeRatingChange() {
  $("rating-box").hidden = true;
  $("rating-change").hidden = false;
  $("rating-error").hidden = true;
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
    // Past the 7 days the server says so; show the rating as it now stands.
    if (err.code === "rating_fixed") loadDetail(number);
  } finally {
    $("rating-submit").disabled = false;
  }
}

// ---- meetings: follow the room, what is coming, what was agreed, topics -------------------

const TOPIC_STATUS = { open: "征集中", picked: "已列入协商", closed: "已关闭" };
const siteApi = () => `/api/v1/sites/${encodeURIComponent(code)}`;
const publicApi = () => `/api/v1/public/sites/${encodeURIComponent(code)}`;

function line(label, text, cls) {
  return el("p", { class: cls || "kv" }, el("strong", {}, `${label}：`), text);
}

function pollLine(poll) {
  const options = (poll.result && poll.result.options) || [];
  const counts = options.map((o) => `${o.label} ${o.total} 票`).join("，");
  return el("li", {}, el("div", {}, `表决：${poll.title}`),
    el("div", { class: "result" }, counts || "结果整理中"));
}

// ---- rating a meeting outcome (one per resident, 7 days to change) ------------------------

const RATING_CHOICES = [["satisfied", "满意"], ["basically", "基本满意"], ["unsatisfied", "不满意"]];

// Everyone sees the question; the server refuses (in plain words) anyone who did not check in.
function outcomeRating(outcome) {
  const url = `/api/v1/evaluation/outcomes/${outcome.id}/rating`;
  const box = el("div", { class: "outcome-rating", "data-outcome": String(outcome.id) });
  const question = el("p", { class: "rate-q" }, "您对这项成果满意吗？");
  const current = el("p", { class: "rate-current" });
  const hint = el("p", { class: "muted rate-hint" }, "签到参加了这次协商的群众可以评价，7 天内可以修改。");
  const buttons = RATING_CHOICES.map(([value, name]) => el("button", {
    type: "button", class: "choice", "data-rating": value, "aria-pressed": "false" }, name));
  const commentId = `outcome-comment-${outcome.id}`;
  const comment = el("textarea", { id: commentId, rows: "2", maxlength: "500" });
  const form = el("div", { class: "rate-form", hidden: "" },
    el("label", { for: commentId }, "想说的话（可不填）"), comment);
  const error = el("p", { class: "error", role: "alert", hidden: "" });
  const submit = el("button", { type: "button", class: "big rate-submit", hidden: "" }, "提交评价");
  const change = el("button", { type: "button", class: "big secondary rate-change", hidden: "" });
  const choices = el("div", { class: "rating-choices", role: "radiogroup",
    "aria-label": "对这项成果的评价" }, ...buttons);
  box.append(question, current, choices, form, error, submit, change, hint);
  let mine = null;
  let picked = null;

  const setForm = (open) => {
    choices.hidden = !open;
    form.hidden = !open || !picked;
    submit.hidden = !open || !picked;
    question.hidden = !open;
    hint.hidden = !open || Boolean(mine && mine.rating);
  };
  const render = (data) => {
    mine = data;
    error.hidden = true;
    if (!data.rating) { current.hidden = true; change.hidden = true; setForm(true); return; }
    current.hidden = false;
    current.textContent = `您的评价：${data.rating_name}${data.comment ? "：" + data.comment : ""}`;
    const until = dayTime(data.changeable_until_text);
    change.textContent = `修改评价（${until}前可修改）`;
    change.hidden = !data.changeable;
    if (!data.changeable) current.append(el("span", { class: "muted" }, "（评价已确定）"));
    setForm(false);
  };
  for (const b of buttons) {
    b.addEventListener("click", () => {
      picked = b.dataset.rating;
      for (const x of buttons) x.setAttribute("aria-pressed", x === b ? "true" : "false");
      form.hidden = false;
      submit.hidden = false;
    });
  }
  change.addEventListener("click", () => {
    picked = mine.rating;
    for (const x of buttons) x.setAttribute("aria-pressed", x.dataset.rating === picked ? "true" : "false");
    comment.value = mine.comment || "";
    submit.textContent = "确认修改";
    change.hidden = true;
    setForm(true);
  });
  submit.addEventListener("click", async () => {
    error.hidden = true;
    if (!picked) return showError(error, { message: "请先选择满意、基本满意或不满意" });
    submit.disabled = true;
    try {
      render(withLocal(await api(url, { method: "PUT",
        body: { rating: picked, comment: comment.value.trim() || null } })));
    } catch (err) {
      showError(error, err);
    } finally {
      submit.disabled = false;
    }
  });
  api(url).then((data) => render(withLocal(data))).catch(() => { box.hidden = true; });
  return box;
}

// The evaluation API gives ISO UTC times; show them in Beijing time like the rest of the page.
function withLocal(data) {
  if (!data.changeable_until) return { ...data, changeable_until_text: "" };
  const at = new Date(new Date(data.changeable_until).getTime() + 8 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return { ...data, changeable_until_text: `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-`
    + `${pad(at.getUTCDate())} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}` };
}

function outcomeItem(outcome, rateable) {
  const feedback = outcome.feedback
    ? line("落实反馈", outcome.feedback + (outcome.feedback_at ? `（${outcome.feedback_at}反馈）` : ""))
    : line("落实反馈", "正在落实，有进展会在这里公布", "kv muted");
  const item = el("li", { class: "outcome", "data-outcome-id": String(outcome.id) },
    line("商定", outcome.text), feedback);
  if (outcome.case) {
    item.append(el("p", { class: "kv case" }, el("strong", {}, "转交办理："),
      `编号 ${outcome.case.tracking_no}，目前 `, el("span", { class: pillClass(outcome.case.status) },
        outcome.case.status)));
  }
  if (rateable) item.append(outcomeRating(outcome));
  return item;
}

function meetingItem(m, upcoming) {
  const item = el("li", { class: "meeting", "data-meeting": m.code },
    el("div", { class: "row" }, el("strong", { class: "meeting-title" }, m.title),
      el("span", { class: upcoming ? "pill wait" : "pill done" }, m.status_name)),
    line("时间", m.when),
    m.location ? line("地点", m.location) : null);
  if (m.agenda && m.agenda.length) item.append(line("议题", m.agenda.map((a) => a.title).join("；")));
  if (upcoming) {
    item.append(el("a", { class: "button big", href: `/m/${encodeURIComponent(m.code)}` },
      m.status === "in_session" ? "正在进行，进入签到投票" : "查看活动详情"));
  } else if (m.attendance) {
    item.append(el("p", { class: "muted" }, `${m.attendance} 位群众签到参加`));
  }
  if (m.polls && m.polls.length) item.append(el("ul", { class: "plain polls" }, ...m.polls.map(pollLine)));
  if (m.outcomes && m.outcomes.length) {
    item.append(el("h5", {}, "协商成果"), el("ol", { class: "outcomes" },
      ...m.outcomes.map((o) => outcomeItem(o, m.status === "in_session" || m.status === "closed"))));
  }
  if (m.minutes) {
    item.append(el("details", { class: "minutes" }, el("summary", {}, "会议纪要"),
      el("p", { class: "prewrap" }, m.minutes)));
  }
  return item;
}

// Where each outcome went after the chair meeting's review (the publicity page's data).
async function showOutcomeRoutes() {
  const page = await api(`${publicApi()}/outcomes`);
  for (const o of page.outcomes) {
    for (const item of document.querySelectorAll(`li.outcome[data-outcome-id="${o.outcome_id}"]`)) {
      item.querySelector(".where")?.remove();
      item.append(line("去向", o.where.text, "kv where"));
    }
  }
}

function renderMeetings(list) {
  const upcoming = list.filter((m) => m.status === "published" || m.status === "in_session")
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1));
  const past = list.filter((m) => m.status === "closed");
  fill($("meetings-upcoming"), upcoming.map((m) => meetingItem(m, true)));
  $("meetings-upcoming-empty").hidden = upcoming.length > 0;
  fill($("meeting-results"), past.map((m) => meetingItem(m, false)));
  $("meeting-results-empty").hidden = past.length > 0;
}

function renderFollow(state) {
  const button = $("follow-toggle");
  button.hidden = false;
  button.setAttribute("aria-pressed", state.following ? "true" : "false");
  button.textContent = state.following ? "已关注（点此取消）" : "关注本议事室";
  $("follow-text").textContent = state.following
    ? `您已关注，本议事室发布协商活动时会通知您。共 ${state.followers} 人关注。`
    : `关注本议事室，有协商活动时会通知您。已有 ${state.followers} 人关注。`;
}

async function toggleFollow() {
  const button = $("follow-toggle");
  const on = button.getAttribute("aria-pressed") !== "true";
  button.disabled = true;
  $("follow-error").hidden = true;
  try {
    renderFollow(await api(`${siteApi()}/follow`, { method: on ? "PUT" : "DELETE" }));
  } catch (err) {
    showError($("follow-error"), err);
  } finally {
    button.disabled = false;
  }
}

function topicItem(topic) {
  const count = el("span", { class: "muted" }, `${topic.supporters} 人支持`);
  const item = el("li", { class: "topic", "data-topic": String(topic.id) },
    el("div", { class: "row" }, el("strong", {}, topic.title),
      el("span", { class: topic.status === "open" ? "pill wait" : "pill done" },
        TOPIC_STATUS[topic.status] || topic.status)),
    topic.detail ? el("p", { class: "prewrap" }, topic.detail) : null, count);
  if (topic.status === "open") {
    const button = el("button", { type: "button", class: "secondary support" }, "我也支持");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const res = await api(`/api/v1/meeting-topics/${topic.id}/support`, { method: "POST" });
        count.textContent = `${res.supporters} 人支持`;
        button.textContent = "已支持，谢谢";
      } catch (err) {
        if (err.code === "already_supported") { button.textContent = "您已支持过"; return; }
        button.disabled = false;
        showError($("topic-error"), err);
      }
    });
    item.append(button);
  }
  return item;
}

async function loadTopics() {
  const topics = await api(`${publicApi()}/topics`);
  fill($("topic-list"), topics.map(topicItem));
  $("topic-empty").hidden = topics.length > 0;
}

async function submitTopic(event) {
  event.preventDefault();
  const box = $("topic-error");
  box.hidden = true;
  const title = $("topic-title").value.trim();
  if (title.length < 2) return showError(box, { message: "请写下您想商量的事（至少两个字）" });
  $("topic-submit").disabled = true;
  try {
    await api(`${siteApi()}/topics`, { method: "POST", body: { title, detail: "" } });
    $("topic-title").value = "";
    await loadTopics();
  } catch (err) {
    showError(box, err);
  } finally {
    $("topic-submit").disabled = false;
  }
}

// Each part loads on its own: a failure leaves that part's friendly empty text in place.
function loadMeetingsSection() {
  state.meetingsReady = api(`${publicApi()}/meetings`).then(renderMeetings).then(showOutcomeRoutes)
    .catch(() => {});
  api(`${siteApi()}/follow`).then(renderFollow).catch(() => {});
  loadTopics().catch(() => {});
}

// ---- start ------------------------------------------------------------------------------

async function load() {
  await ensureResidentToken();
  state.overview = await api(`/api/v1/intake/sites/${encodeURIComponent(code)}/overview`);
  renderHome(state.overview);
  loadMeetingsSection();
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
  const choices = document.querySelectorAll("#rating-box .choice");
  for (const button of choices) {
    button.addEventListener("click", () => {
      state.rating = button.dataset.rating;
      pickRating(choices, state.rating);
      // Only a change to 不满意 after a good rating reopens the case: say so before it happens.
      $("rating-redo-note").hidden = !(state.current && state.current.rating !== "unsatisfied"
        && state.rating === "unsatisfied");
    });
  }
  $("rating-submit").addEventListener("click", submitRating);
  $("rating-change").addEventListener("click", openRatingChange);
  $("rating-cancel").addEventListener("click", closeRatingChange);
  $("follow-toggle").addEventListener("click", toggleFollow);
  $("topic-form").addEventListener("submit", submitTopic);
  window.addEventListener("hashchange", route);
  state.ready = load().catch((err) => {
    showError($("page-error"), err);
    $("unit-path").textContent = "";
    throw err;
  });
  route();
}

main();
