// Staff console: session login, the case inbox with filters and exports, the case page
// with its timeline, photos and the actions the server says are allowed.
import { api } from "/static/common/api.js";
import { activatable, el } from "/static/common/dom.js";
import { localDate, localTime } from "/static/common/format.js";
import { pager } from "/static/common/pager.js";
import { csrfToken, setCsrf, staff } from "/static/common/staff.js";

let options = null;
let inboxPage = 1;
const PER_PAGE = 50;
const $ = (id) => document.getElementById(id);

const ACTION_LABELS = {
  accept: "受理", decline: "不予受理", assign: "派单", reassign: "转派", return: "退单",
  sign: "签收", start: "开始办理", answer: "答复", request_extension: "申请延期",
  approve_extension: "同意延期", refuse_extension: "驳回延期", merge: "合并", void: "作废",
};

async function show(session) {
  // A temporary password opens nothing but the page that replaces it.
  if (session.user.must_change_password) { location.href = "/console/password"; return; }
  setCsrf(session.csrf_token);
  $("login-form").hidden = true;
  $("home").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = session.user.display_name;
  $("grants").replaceChildren(...session.user.grants.map((g) => {
    const scope = g.site_name || g.unit_name || g.department_name || "全区";
    return el("li", { textContent: `${g.role_name} · ${scope}` });
  }));
  options = await staff("/api/v1/dispatch/options");
  if (options.calendar_warning) {
    $("calendar-warning").textContent = options.calendar_warning;
    $("calendar-warning-box").hidden = false;
  }
  fill($("f-state"), options.states);
  fill($("f-category"), options.categories);
  fill($("f-unit"), options.units);
  fill($("f-department"), options.departments);
  $("export-note").textContent = options.may_export_phones
    ? "导出记录将被留存。" : "您的角色导出时联系电话将被遮挡；导出记录将被留存。";
  route();
}

function fill(select, items) {
  select.replaceChildren(select.options[0], ...items.map((i) => el("option", { value: i.id, textContent: i.name })));
}

function filterQuery() {
  const params = new URLSearchParams();
  for (const [name, id] of [["state", "f-state"], ["category_id", "f-category"], ["unit_id", "f-unit"],
    ["department_id", "f-department"], ["q", "f-q"], ["sort", "f-sort"]]) {
    if ($(id).value) params.set(name, $(id).value);
  }
  if ($("f-overdue").checked) params.set("overdue", "true");
  return params;
}

async function loadInbox() {
  $("inbox").hidden = false;
  $("case").hidden = true;
  const params = filterQuery();
  params.set("page", String(inboxPage));
  params.set("per_page", String(PER_PAGE));
  const data = await staff(`/api/v1/cases?${params}`);
  $("case-rows").replaceChildren(...data.items.map((c) => {
    const row = el("tr", { className: c.overdue ? "overdue" : "" },
      el("td", { textContent: c.tracking_no }),
      el("td", {}, el("span", { className: "state", textContent: c.state_name })),
      el("td", { textContent: c.category_name || c.kind_name }),
      el("td", { className: "text", textContent: c.text, title: c.text }),
      el("td", { textContent: c.department_name || c.member_name || "—" }),
      el("td", { textContent: (c.answer_due_at ? localDate(c.answer_due_at) : "") + (c.overdue ? "（超期）" : "") }));
    row.dataset.id = c.id;
    activatable(row, () => { location.hash = `#/cases/${c.id}`; }, null);
    return row;
  }));
  const first = data.total ? (data.page - 1) * data.per_page + 1 : 0;
  $("case-count").textContent = data.total
    ? `共 ${data.total} 件，显示第 ${first}–${first + data.items.length - 1} 件` : "没有符合条件的案件";
  pager($("case-pager"), { page: data.page, perPage: data.per_page, total: data.total,
    onPage: (n) => { inboxPage = n; loadInbox(); } });
}

async function loadCase(id) {
  $("inbox").hidden = true;
  $("case").hidden = false;
  $("c-form").hidden = true;
  $("c-error").hidden = true;
  const c = await staff(`/api/v1/cases/${id}`);
  renderCase(c);
}

function renderCase(c) {
  $("c-no").textContent = c.tracking_no;
  $("c-state").textContent = c.state_name;
  const facts = [
    ["点位", `${c.site_name || ""}（${c.unit_name || ""}）`],
    ["类别", `${c.category_name || "未分类"} · ${c.kind_name}`],
    ["联系电话", c.phone || "未留"],
    ["承办单位", c.department_name || c.member_name || "未派单"],
    ["协办单位", (c.assisting_department_names || []).join("、") || "—"],
    ["签收期限", localTime(c.sign_due_at) || "—"],
    ["答复期限", (localTime(c.answer_due_at) || "—") + (c.overdue ? "（已超期）" : "")],
    ["重办次数", String(c.redo_count)],
  ];
  if (c.calendar_warning) facts.push(["提示", c.calendar_warning]);
  if (c.pending_extension) facts.push(["延期申请", `${c.pending_extension.days} 个工作日：${c.pending_extension.reason}`]);
  $("c-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: v })]));
  $("c-text").textContent = c.text;
  $("c-photos").replaceChildren(...(c.photos || []).map((p) =>
    el("a", { href: p.url, target: "_blank" }, el("img", { src: p.thumb_url, alt: "现场照片" }))));
  $("c-answer").hidden = !c.answer;
  $("c-answer").textContent = c.answer ? `答复：${c.answer}` : "";
  $("c-actions").replaceChildren(...(c.actions || []).map((action) =>
    el("button", { type: "button", textContent: ACTION_LABELS[action] || action, onclick: () => openForm(c, action) })));
  $("c-actions").querySelectorAll("button").forEach((b, i) => { b.dataset.action = c.actions[i]; });
  if (!(c.actions || []).length) $("c-actions").append(el("span", { className: "muted", textContent: "暂无可执行的操作" }));
  $("c-timeline").replaceChildren(...(c.timeline || []).map((e) => {
    const li = el("li", {},
      el("span", { className: "when", textContent: localTime(e.at) }),
      el("strong", { className: "what", textContent: e.action_name }),
      ` · ${e.actor_name}${e.role_name ? `（${e.role_name}）` : ""}`,
      e.to_state_name ? ` → ${e.to_state_name}` : "");
    if (e.note) li.append(el("span", { className: "note", textContent: e.note }));
    li.dataset.action = e.action;
    return li;
  }));
}

function targetPicker(c) {
  const dept = el("select", { id: "a-department" }, el("option", { value: "", textContent: "选择承办部门" }),
    ...options.departments.map((d) => el("option", { value: d.id, textContent: `${d.name}（在办 ${d.load}）` })));
  const member = el("select", { id: "a-member" }, el("option", { value: "", textContent: "或指派给委员" }),
    ...options.members.map((m) => el("option", { value: m.id, textContent: m.name })));
  const assist = el("select", { id: "a-assist", multiple: true, size: 3 },
    ...options.departments.map((d) => el("option", { value: d.id, textContent: d.name })));
  if (c.suggestion) dept.value = String(c.suggestion.department_id);
  const hint = c.suggestion ? el("p", { className: "muted", textContent: `建议：${c.suggestion.department_name}（在办 ${c.suggestion.load} 件）` }) : null;
  return {
    nodes: [el("label", { htmlFor: "a-department", textContent: "承办部门" }), dept, hint,
      el("label", { htmlFor: "a-member", textContent: "委员" }), member,
      el("label", { htmlFor: "a-assist", textContent: "协办部门（可多选）" }), assist],
    body: () => ({
      department_id: dept.value ? Number(dept.value) : null,
      member_user_id: member.value && !dept.value ? Number(member.value) : null,
      assisting_department_ids: [...assist.selectedOptions].map((o) => Number(o.value)),
    }),
  };
}

function openForm(c, action) {
  const form = $("c-form");
  const parts = [];
  let body = () => ({});
  const text = (id, label) => {
    const area = el("textarea", { id });
    parts.push(el("label", { htmlFor: id, textContent: label }), area);
    return area;
  };
  if (action === "assign" || action === "reassign") {
    const picker = targetPicker(c);
    parts.push(...picker.nodes.filter(Boolean));
    const note = text("a-note", "派单说明（可选）");
    body = () => ({ ...picker.body(), note: note.value || null });
  } else if (["decline", "return", "void"].includes(action)) {
    const reason = text("a-reason", "理由");
    body = () => ({ reason: reason.value });
  } else if (action === "answer") {
    if ((c.templates || []).length) {
      const pick = el("select", { id: "a-template" }, el("option", { value: "", textContent: "使用答复模板…" }),
        ...c.templates.map((t) => el("option", { value: t.id, textContent: t.title })));
      parts.push(pick);
      pick.addEventListener("change", () => {
        const t = c.templates.find((x) => String(x.id) === pick.value);
        if (t) $("a-text").value = t.text;
      });
    }
    const answer = text("a-text", "答复内容");
    body = () => ({ text: answer.value });
  } else if (action === "request_extension") {
    const days = el("input", { id: "a-days", type: "number", min: 1, max: 30, value: 5 });
    parts.push(el("label", { htmlFor: "a-days", textContent: "延期工作日" }), days);
    const reason = text("a-reason", "延期理由");
    body = () => ({ days: Number(days.value), reason: reason.value });
  } else if (action === "merge") {
    const into = el("input", { id: "a-into", type: "number", placeholder: "目标案件 ID" });
    parts.push(el("label", { htmlFor: "a-into", textContent: "合并到案件" }), into);
    body = () => ({ into_id: Number(into.value) });
  } else {
    const note = text("a-note", "备注（可选）");
    body = () => ({ note: note.value || null });
  }
  const submit = el("button", { type: "button", id: "a-submit", textContent: `确认${ACTION_LABELS[action]}` });
  const cancel = el("button", { type: "button", className: "secondary", textContent: "取消", onclick: () => { form.hidden = true; } });
  submit.addEventListener("click", async () => {
    $("c-error").hidden = true;
    try {
      const updated = await staff(`/api/v1/cases/${c.id}/${action.replace(/_/g, "-")}`, { method: "POST", body: body() });
      form.hidden = true;
      if (updated.timeline && updated.timeline.length) renderCase(updated);
      else location.hash = "#/cases";
    } catch (err) {
      $("c-error").textContent = err.message + (Object.keys(err.errors || {}).length ? `：${JSON.stringify(err.errors)}` : "");
      $("c-error").hidden = false;
    }
  });
  form.replaceChildren(el("h4", { textContent: ACTION_LABELS[action] }), ...parts, el("p", {}, submit, " ", cancel));
  form.hidden = false;
}

function exportList(fmt) {
  const params = filterQuery();
  params.set("format", fmt);
  location.href = `/api/v1/cases/export?${params}`;
}

function route() {
  if (!options) return;
  const match = location.hash.match(/^#\/cases\/(\d+)/);
  const task = match ? loadCase(Number(match[1])) : loadInbox();
  task.catch((err) => { $("c-error").textContent = err.message; $("c-error").hidden = false; });
}

window.addEventListener("hashchange", route);
// A new filter, search or order starts again from the first page.
$("filters").addEventListener("submit", (event) => { event.preventDefault(); inboxPage = 1; loadInbox(); });
$("f-sort").addEventListener("change", () => { inboxPage = 1; loadInbox(); });
$("export-csv").addEventListener("click", () => exportList("csv"));
$("export-xlsx").addEventListener("click", () => exportList("xlsx"));

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").hidden = true;
  try {
    const session = await api("/api/v1/auth/login", {
      method: "POST", token: null,
      body: { username: $("username").value, password: $("password").value },
    });
    await show(session);
  } catch (err) {
    $("login-error").textContent = err.message;
    $("login-error").hidden = false;
  }
});

$("logout").addEventListener("click", async () => {
  await api("/api/v1/auth/logout", { method: "POST", token: null, headers: { "X-CSRF-Token": csrfToken() } });
  location.hash = "";
  location.reload();
});

api("/api/v1/auth/me", { token: null }).then(show).catch(() => {});
