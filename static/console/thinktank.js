// Members and think tank: suggestions by topic and area, the registers, invitations.
import { ApiError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { setCsrf, staff } from "/static/common/staff.js";

const $ = (id) => document.getElementById(id);
let target = null; // {kind: "opinion"|"meeting", id} when suggestions may lead to invitations
const expertPage = { page: 1, perPage: 20, total: 0 };

function showError(err) {
  $("error").textContent = err instanceof ApiError ? err.message : String(err);
  $("error").hidden = false;
}

function table(node, head, rows) {
  node.replaceChildren(
    el("tr", {}, ...head.map((h) => el("th", { textContent: h }))),
    ...rows.map((cells) => el("tr", {}, ...cells.map((c) =>
      c instanceof Node ? el("td", {}, c) : el("td", { textContent: c ?? "" })))),
  );
}

function tab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("on", b.dataset.tab === name);
  for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== `tab-${name}`;
  $("error").hidden = true;
  if (name === "experts") loadExperts();
  if (name === "members") loadMembers();
  if (name === "invitations") loadInvitations();
}

function fillAreas(select, units, allLabel) {
  select.replaceChildren(el("option", { value: "", textContent: allLabel }),
    ...units.map((u) => el("option", { value: u.id, textContent: u.name })));
}

// ---- suggestions ------------------------------------------------------------------------

function modeChanged() {
  const mode = $("s-mode").value;
  $("s-id-label").hidden = mode === "text";
  $("s-text-label").hidden = mode !== "text";
  $("s-area-label").hidden = mode !== "text";
}

async function invite(kind, person) {
  const message = window.prompt(`给 ${person.name} 的邀请留言（可不填）`, "") ?? null;
  if (message === null) return;
  const body = { [`${target.kind}_id`]: target.id, [`${kind}_id`]: person.id, message };
  try {
    const inv = await staff("/api/v1/invitations", { method: "POST", body });
    $("suggest-form").requestSubmit();
    $("s-link").replaceChildren(`已邀请 ${inv.invitee_name}。回复链接（可通过短信发送，仅能使用一次）：`,
      el("span", { className: "link", textContent: inv.respond_url || "" }));
  } catch (err) { showError(err); }
}

function reasonCell(person) {
  return el("span", {}, ...person.reasons.map((r, i) =>
    el("span", { className: r === "近期较忙" ? "busy" : "reason", textContent: (i ? "；" : "") + r })));
}

async function suggest(ev) {
  ev.preventDefault();
  $("error").hidden = true;
  const mode = $("s-mode").value;
  let path;
  if (mode === "text") {
    const p = new URLSearchParams({ text: $("s-text").value.trim() });
    if ($("s-area").value) p.set("unit_id", $("s-area").value);
    path = `/api/v1/thinktank/suggestions?${p}`;
    target = null;
  } else {
    const id = Number($("s-id").value);
    path = `/api/v1/${mode}s/${id}/suggestions`;
    target = { kind: mode, id };
  }
  try {
    const data = await staff(path);
    $("s-summary").textContent = `关键词：${data.keywords.join("、") || "无"}　` +
      `涉及领域：${data.specialties.map((s) => s.name).join("、") || "无"}　区域：${data.area}`;
    const action = (kind, p) => {
      if (!target) return "";
      if (p.invitation_status) return el("span", { className: "muted", textContent: p.invitation_status });
      return el("button", { type: "button", textContent: "邀请", onclick: () => invite(kind, p) });
    };
    table($("s-experts"), ["专家", "职称 / 单位", "区域", "推荐理由", ""],
      data.experts.map((e) => [e.name, [e.title, e.organisation].filter(Boolean).join(" · "), e.area, reasonCell(e),
        action("expert", e)]));
    table($("s-members"), ["委员", "界别 / 级别", "推荐理由", ""],
      data.members.map((m) => [m.name, `${m.circle || "—"} · ${m.level_name}`, reasonCell(m),
        action("member", m)]));
    if (!data.experts.length && !data.members.length) {
      $("s-summary").textContent += "　（未找到合适人选，请补充议题内容）";
    }
  } catch (err) { showError(err); }
}

// ---- registers ---------------------------------------------------------------------------

async function loadExperts(ev) {
  if (ev) { ev.preventDefault(); expertPage.page = 1; }
  const p = new URLSearchParams({ page: expertPage.page, per_page: expertPage.perPage });
  for (const [key, id] of [["q", "e-q"], ["specialty", "e-specialty"], ["unit_id", "e-area"],
    ["availability", "e-availability"]]) if ($(id).value) p.set(key, $(id).value);
  try {
    const data = await staff(`/api/v1/experts?${p}`);
    expertPage.total = data.total;
    const pages = Math.max(1, Math.ceil(data.total / expertPage.perPage));
    $("e-total").textContent = `共 ${data.total} 位专家，第 ${expertPage.page} / ${pages} 页`;
    table($("e-table"), ["姓名", "专业领域", "关键词", "区域", "职称", "单位", "状态", "电话"],
      data.items.map((e) => [e.name, e.specialty_names.join("、"), e.keywords.join("、"), e.area,
        e.title, e.organisation, e.availability_name, e.phone]));
  } catch (err) { showError(err); }
}

async function loadMembers(ev) {
  if (ev) ev.preventDefault();
  const p = new URLSearchParams({ per_page: 100 });
  if ($("m-q").value) p.set("q", $("m-q").value);
  if ($("m-level").value) p.set("level", $("m-level").value);
  try {
    const data = await staff(`/api/v1/members?${p}`);
    $("m-total").textContent = `共 ${data.total} 位委员` + (data.total > 100 ? "（显示前 100 位）" : "");
    table($("m-table"), ["姓名", "界别", "级别", "板块", "挂钩点位", "电话"],
      data.items.map((m) => [m.name, m.circle, m.level_name, m.area,
        m.sites.map((s) => `${s.site_name}（${s.role_name}）`).join("、"), m.phone]));
  } catch (err) { showError(err); }
}

async function loadInvitations() {
  try {
    const rows = await staff("/api/v1/invitations");
    table($("i-table"), ["邀请对象", "事项", "邀请人", "留言", "状态", "回复", "回复链接"],
      rows.map((i) => [
        `${i.invitee_name}（${i.invitee_kind === "expert" ? "专家" : "委员"}）`,
        i.target.label, i.invited_by, i.message,
        el("span", { className: `status-${i.status}`, textContent: i.status_name }),
        i.response_note || "",
        i.respond_url ? el("span", { className: "link", textContent: i.respond_url }) : ""]));
  } catch (err) { showError(err); }
}

// ---- start -------------------------------------------------------------------------------

async function start() {
  let session;
  try {
    session = await staff("/api/v1/auth/me");
  } catch {
    $("need-login").hidden = false;
    document.body.dataset.ready = "1";
    return;
  }
  setCsrf(session.csrf_token);
  $("who").textContent = session.user.display_name;
  $("tabs").hidden = false;
  try {
    const [specialties, top] = await Promise.all([
      staff("/api/v1/experts/specialties"), staff("/api/v1/units")]);
    const sectors = top.length ? await staff(`/api/v1/units?parent_id=${top[0].id}`) : [];
    fillAreas($("s-area"), sectors, "全区");
    fillAreas($("e-area"), top.concat(sectors), "全部区域");
    $("e-specialty").replaceChildren(el("option", { value: "", textContent: "全部" }),
      ...specialties.map((s) => el("option", { value: s.code, textContent: s.name })));
  } catch (err) { showError(err); }
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => tab(b.dataset.tab));
  $("s-mode").addEventListener("change", modeChanged);
  $("suggest-form").addEventListener("submit", suggest);
  $("expert-form").addEventListener("submit", loadExperts);
  $("member-form").addEventListener("submit", loadMembers);
  $("e-prev").addEventListener("click", () => { if (expertPage.page > 1) { expertPage.page -= 1; loadExperts(); } });
  $("e-next").addEventListener("click", () => {
    if (expertPage.page * expertPage.perPage < expertPage.total) { expertPage.page += 1; loadExperts(); }
  });
  // Opened from a case or meeting page: /console/thinktank?opinion_id=12 or ?meeting_id=3
  const params = new URLSearchParams(location.search);
  for (const kind of ["opinion", "meeting"]) {
    if (params.get(`${kind}_id`)) {
      $("s-mode").value = kind;
      $("s-id").value = params.get(`${kind}_id`);
    }
  }
  modeChanged();
  tab("suggest");
  if ($("s-mode").value !== "text") $("suggest-form").requestSubmit();
  document.body.dataset.ready = "1";
}

start();
