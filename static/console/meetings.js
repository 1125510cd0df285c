// Staff meetings page: list meetings in scope, create one (新建协商活动), pick collected topics.
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { setCsrf, staff } from "/static/common/staff.js";

const $ = (id) => document.getElementById(id);
let options = { sites: [], statuses: [], participant_kinds: [] };

function showError(node, err) {
  node.hidden = !err;
  if (!err) return;
  const details = Object.values(err.errors || {}).flat().filter((v) => typeof v === "string");
  node.textContent = details.length ? `${err.message}：${details.join("；")}` : err.message;
}

// "2026年12月1日（周二）14:30", Beijing time, whatever the browser's zone.
function when(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric",
    weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}年${parts.month}月${parts.day}日（${parts.weekday}）${parts.hour}:${parts.minute}`;
}

// ---- list ----------------------------------------------------------------------------------

function topicPicker(meeting, row) {
  const next = row.nextElementSibling;
  if (next && next.classList.contains("topic-row")) { next.remove(); return; }
  const cell = el("td", { colspan: "6" }, "正在读取群众征集的议题……");
  const holder = el("tr", { class: "topic-row" }, cell);
  row.after(holder);
  const render = async () => {
    try {
      const topics = (await api(`/api/v1/public/sites/${meeting.site_code}/topics`, { token: null }))
        .filter((t) => t.status === "open");
      if (!topics.length) { cell.replaceChildren("该点位暂无待协商的群众议题。"); return; }
      const error = el("p", { class: "error", hidden: "" });
      cell.replaceChildren(el("strong", {}, "群众征集的议题（按支持人数排序），点“列入议程”加入本次活动："),
        el("ul", { class: "pick-list" }, ...topics.map((t) => el("li", { "data-topic": t.id },
          `${t.title}（${t.supporters} 人支持）`,
          el("button", { type: "button", class: "secondary pick", onclick: async () => {
            try {
              await staff(`/api/v1/meetings/${meeting.id}/topics`, { method: "POST", body: { topic_id: t.id } });
              await render();
            } catch (e) { showError(error, e); }
          } }, "列入议程")))), error);
    } catch (e) { cell.replaceChildren(e.message); }
  };
  render();
}

function meetingRow(m) {
  const ops = el("td", { class: "ops" },
    el("a", { href: `/meetings/${m.id}/control`, class: "control" }, "主持控制"),
    el("a", { href: `/meetings/${m.id}/screen`, target: "_blank", rel: "noopener", class: "screen" }, "大屏"));
  if (m.status === "draft") ops.append(el("span", { class: "muted", title: "草稿发布后群众才能扫码参加" }, "参会码（发布后可用）"));
  else ops.append(el("a", { href: m.url, target: "_blank", rel: "noopener", class: "join", title: m.url }, `参会码 ${m.code}`));
  const row = el("tr", { "data-meeting": m.id },
    el("td", {}, m.title, m.location ? el("div", { class: "muted" }, m.location) : ""),
    el("td", {}, m.site_name),
    el("td", {}, when(m.starts_at), el("div", { class: "muted" }, m.online ? "线上" : "现场")),
    el("td", {}, el("span", { class: `st st-${m.status}` }, m.status_name)),
    el("td", { class: "attendance" }, m.quorum ? `${m.attendance} / ${m.quorum}` : String(m.attendance)),
    ops);
  if (m.status === "draft" || m.status === "published") {
    ops.append(el("button", { type: "button", class: "secondary small topics", onclick: () => topicPicker(m, row) }, "选入议题"));
  }
  return row;
}

async function loadList() {
  const p = new URLSearchParams();
  for (const [key, id] of [["status", "f-status"], ["site_id", "f-site"], ["starts_from", "f-from"], ["starts_to", "f-to"]]) {
    if ($(id).value) p.set(key, $(id).value);
  }
  try {
    const meetings = await staff(`/api/v1/meetings?${p}`);
    showError($("list-error"), null);
    $("rows").replaceChildren(...meetings.map(meetingRow));
    $("count").textContent = meetings.length ? `共 ${meetings.length} 场` : "没有符合条件的协商活动";
  } catch (e) { showError($("list-error"), e); }
}

// ---- create form ---------------------------------------------------------------------------

function agendaItem(value = "") {
  const input = el("input", { maxlength: "200", placeholder: "议程内容，如：村委会介绍修路方案" });
  input.value = value;
  return el("li", {}, input, el("button", { type: "button", class: "secondary small", onclick: (ev) => ev.target.closest("li").remove() }, "删除"));
}

// "王强（区交通运输局）、李梅" → [{name: "王强", organisation: "区交通运输局"}, {name: "李梅"}]
function parsePeople(text) {
  return text.split(/[、,，;；\n]+/).map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = s.match(/^(.+?)\s*[（(](.+)[)）]$/);
    return m ? { name: m[1].trim(), organisation: m[2].trim() } : { name: s, organisation: "" };
  });
}

async function loadFormTopics() {
  const site = options.sites.find((s) => String(s.id) === $("c-site").value);
  $("c-topics").replaceChildren();
  $("c-topics-note").textContent = "";
  if (!site) return;
  try {
    const topics = (await api(`/api/v1/public/sites/${site.code}/topics`, { token: null }))
      .filter((t) => t.status === "open");
    $("c-topics-note").textContent = topics.length ? "勾选的议题会加入议程" : "该点位暂无待协商的群众议题";
    $("c-topics").replaceChildren(...topics.map((t) => el("label", { class: "inline" },
      el("input", { type: "checkbox", value: t.id }), `${t.title}（${t.supporters} 人支持）`)));
  } catch (e) { $("c-topics-note").textContent = e.message; }
}

function setMode() {
  const online = document.querySelector("input[name=mode]:checked").value === "online";
  $("c-presence").checked = !online;
  $("mode-note").textContent = online
    ? "线上协商一般关闭：群众打开链接即可签到投票，不用到会场扫码。"
    : "现场会议一般开启：群众要扫会场大屏上每 30 秒更换的二维码才能签到投票。";
}

function defaultStart() {
  // Tomorrow 14:30, Beijing time, as the datetime-local input wants it.
  const d = new Date(Date.now() + 86400000);
  const day = d.toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  return `${day}T14:30`;
}

function resetForm() {
  $("create").reset();
  $("c-starts").value = defaultStart();
  $("c-agenda").replaceChildren(agendaItem());
  setMode();
  showError($("c-error"), null);
  loadFormTopics();
}

async function submitForm(ev) {
  ev.preventDefault();
  const participants = [];
  for (const input of $("c-participants").querySelectorAll("input")) {
    for (const p of parsePeople(input.value)) participants.push({ kind: input.dataset.kind, ...p });
  }
  const agenda = [...$("c-agenda").querySelectorAll("input")].map((i) => i.value.trim())
    .filter(Boolean).map((title) => ({ title }));
  const missing = [];
  if (!$("c-site").value) missing.push("点位");
  if ($("c-title").value.trim().length < 2) missing.push("协商议题（至少两个字）");
  if (!$("c-starts").value) missing.push("开始时间");
  if (missing.length) { showError($("c-error"), { message: `请填写：${missing.join("、")}` }); return; }
  const online = document.querySelector("input[name=mode]:checked").value === "online";
  const body = {
    site_id: Number($("c-site").value), title: $("c-title").value.trim(),
    description: $("c-description").value.trim(), location: $("c-location").value.trim(),
    starts_at: `${$("c-starts").value}:00`, online, presence_check: $("c-presence").checked,
    quorum: Number($("c-quorum").value || 0), participants, agenda,
  };
  if ($("c-ends").value) body.ends_at = `${$("c-ends").value}:00`;
  $("c-submit").disabled = true;
  try {
    const meeting = await staff("/api/v1/meetings", { method: "POST", body });
    for (const box of $("c-topics").querySelectorAll("input:checked")) {
      await staff(`/api/v1/meetings/${meeting.id}/topics`, { method: "POST", body: { topic_id: Number(box.value) } });
    }
    location.href = `/meetings/${meeting.id}/control`;
  } catch (e) {
    showError($("c-error"), e);
    $("c-submit").disabled = false;
  }
}

function buildForm() {
  $("c-site").replaceChildren(...options.sites.map((s) => el("option", { value: s.id }, `${s.name}（${s.unit_name}）`)));
  $("c-participants").replaceChildren(...options.participant_kinds.map((k) => el("label", {}, k.label,
    el("input", { "data-kind": k.value, placeholder: "多人用“、”隔开" }))));
  $("c-site").addEventListener("change", loadFormTopics);
  for (const radio of document.querySelectorAll("input[name=mode]")) radio.addEventListener("change", setMode);
  $("add-agenda").addEventListener("click", () => $("c-agenda").append(agendaItem()));
  $("create").addEventListener("submit", submitForm);
  $("c-cancel").addEventListener("click", () => { $("create").hidden = true; });
  $("new-toggle").addEventListener("click", () => {
    const open = $("create").hidden;
    $("create").hidden = !open;
    if (open) { resetForm(); $("c-title").focus(); }
  });
}

// ---- start ---------------------------------------------------------------------------------

async function start(me) {
  setCsrf(me.csrf_token);
  $("who").textContent = me.user.display_name;
  try {
    options = await staff("/api/v1/meeting-options");
  } catch (e) {
    $("login-needed").textContent = e.message;
    $("login-needed").hidden = false;
    document.body.dataset.ready = "1";
    return;
  }
  $("home").hidden = false;
  $("f-status").append(...options.statuses.map((s) => el("option", { value: s.value }, s.label)));
  $("f-site").append(...options.sites.map((s) => el("option", { value: s.id }, s.name)));
  if (!options.sites.length) { $("no-sites").hidden = false; $("new-toggle").hidden = true; }
  buildForm();
  $("filters").addEventListener("submit", (ev) => { ev.preventDefault(); loadList(); });
  if (new URLSearchParams(location.search).has("new") && options.sites.length) $("new-toggle").click();
  await loadList();
  document.body.dataset.ready = "1";
}

api("/api/v1/auth/me", { token: null }).then(start).catch(() => {
  $("who").textContent = "未登录";
  $("login-needed").hidden = false;
  document.body.dataset.ready = "1";
});
