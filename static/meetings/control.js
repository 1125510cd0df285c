// The moderator's control page: meeting status, open/close polls, paper counts, proposals,
// outcomes with their feedback and follow-up cases.
import { api } from "/static/common/api.js";
import { drawBars, liveNotice, openEvents } from "/static/meetings/live.js";

const meetingId = location.pathname.split("/").filter(Boolean)[1];
const $ = (id) => document.getElementById(id);
let csrf = "";

function showError(err) {
  $("page-error").hidden = !err;
  $("page-error").textContent = err ? err.message : "";
}

async function staff(path, options = {}) {
  return api(path, { token: null, headers: csrf ? { "X-CSRF-Token": csrf } : {}, ...options });
}

async function act(path, body) {
  try { await staff(path, { method: "POST", body: body || {} }); showError(null); await load(); }
  catch (err) { showError(err); }
}

function pollItem(poll) {
  const el = document.createElement("div");
  el.className = "poll-item";
  el.dataset.poll = poll.id;
  const head = document.createElement("div");
  head.className = "row";
  const title = document.createElement("strong");
  title.textContent = `${poll.title}（${poll.kind_name}，${{ draft: "未开始", open: "投票中", closed: "已结束" }[poll.status]}，${poll.ballots} 票）`;
  head.appendChild(title);
  if (poll.status === "draft") {
    const b = document.createElement("button"); b.textContent = "发起表决"; b.className = "open-poll";
    b.onclick = () => act(`/api/v1/polls/${poll.id}/open`); head.appendChild(b);
  }
  if (poll.status === "open") {
    const b = document.createElement("button"); b.textContent = "结束表决"; b.className = "close-poll";
    b.onclick = () => act(`/api/v1/polls/${poll.id}/close`); head.appendChild(b);
  }
  el.appendChild(head);
  const bars = document.createElement("div");
  drawBars(bars, poll, poll.counts);
  el.appendChild(bars);
  if (poll.status === "open") {
    const paper = document.createElement("div");
    paper.className = "row";
    paper.append("纸质票/举手：");
    for (const o of poll.options) {
      const input = document.createElement("input");
      input.type = "number"; input.min = "0"; input.placeholder = o.label; input.dataset.option = o.id;
      input.style.width = "7em";
      paper.appendChild(input);
    }
    const save = document.createElement("button"); save.textContent = "录入"; save.className = "secondary";
    save.onclick = () => {
      const counts = {};
      paper.querySelectorAll("input").forEach((i) => { if (i.value !== "") counts[i.dataset.option] = Number(i.value); });
      act(`/api/v1/polls/${poll.id}/paper`, { counts, note: "现场录入" });
    };
    paper.appendChild(save);
    el.appendChild(paper);
  }
  if (poll.notice) {
    const n = document.createElement("p"); n.className = "live-notice freeze-pending"; n.textContent = poll.notice;
    el.appendChild(n);
  }
  if (poll.result_error) {
    const e = document.createElement("p"); e.className = "banner-error"; e.textContent = poll.result_error;
    el.appendChild(e);
  }
  return el;
}

async function loadProposals() {
  const rows = await staff(`/api/v1/meetings/${meetingId}/proposals`);
  const box = $("proposals");
  box.innerHTML = rows.length ? "" : '<p class="muted">暂无</p>';
  for (const p of rows) {
    const row = document.createElement("div");
    row.className = "row poll-item";
    const text = document.createElement("span");
    text.textContent = `${p.text}（${{ pending: "待审核", approved: "已采纳", declined: "未采纳" }[p.status]}）`;
    row.appendChild(text);
    if (p.status === "pending") {
      for (const [label, body] of [["列入议程", { decision: "approve", target: "agenda" }],
        ["付诸表决", { decision: "approve", target: "poll" }], ["不采纳", { decision: "decline" }]]) {
        const b = document.createElement("button"); b.className = "secondary"; b.textContent = label;
        b.onclick = () => act(`/api/v1/meeting-proposals/${p.id}/decision`, body);
        row.appendChild(b);
      }
    }
    box.appendChild(row);
  }
}

function outcomeItem(outcome) {
  const row = document.createElement("div");
  row.className = "poll-item outcome";
  row.dataset.outcome = outcome.id;
  const text = document.createElement("p");
  text.textContent = outcome.text;
  row.appendChild(text);
  const feedback = document.createElement("div");
  feedback.className = "row";
  const input = document.createElement("input");
  input.value = outcome.feedback || ""; input.placeholder = "落实反馈（建议都反馈）";
  input.style.flex = "1 1 320px";
  const save = document.createElement("button"); save.className = "secondary"; save.textContent = "保存反馈";
  save.onclick = () => act(`/api/v1/meeting-outcomes/${outcome.id}/feedback`, { feedback: input.value.trim() });
  feedback.append(input, save);
  row.appendChild(feedback);
  const follow = document.createElement("div");
  follow.className = "row case";
  if (outcome.case) {
    follow.textContent = `已转为办理事项：编号 ${outcome.case.tracking_no}，${outcome.case.state_name}`;
  } else {
    const b = document.createElement("button"); b.className = "secondary to-case"; b.textContent = "转为办理事项";
    b.onclick = () => act(`/api/v1/meeting-outcomes/${outcome.id}/case`);
    follow.appendChild(b);
  }
  row.appendChild(follow);
  return row;
}

async function load() {
  const meeting = await staff(`/api/v1/meetings/${meetingId}`);
  const snap = await staff(`/api/v1/meetings/${meetingId}/snapshot`);
  $("title").textContent = meeting.title;
  $("subtitle").textContent = `${meeting.site_name} · 扫码参与：${meeting.url}`;
  $("status").textContent = `状态：${snap.meeting.status_name}`;
  $("attendance").textContent = `已签到 ${snap.attendance.checked_in} 人` +
    (snap.attendance.quorum ? ` / 法定人数 ${snap.attendance.quorum}` : "");
  $("screen-link").href = `/meetings/${meetingId}/screen`;
  const box = $("polls");
  box.innerHTML = "";
  for (const poll of snap.polls) box.appendChild(pollItem(poll));
  const outcomes = $("outcomes");
  outcomes.innerHTML = meeting.outcomes.length ? "" : '<p class="muted">暂无</p>';
  for (const outcome of meeting.outcomes) outcomes.appendChild(outcomeItem(outcome));
  await loadProposals();
  return meeting;
}

async function main() {
  try {
    csrf = (await api("/api/v1/auth/me", { token: null })).csrf_token;
  } catch (err) {
    showError(new Error("请先登录员工控制台（/console/）再打开主持控制台"));
    return;
  }
  const meeting = await load();
  for (const status of ["published", "in_session", "closed"]) {
    $(`to-${status}`).onclick = () => act(`/api/v1/meetings/${meetingId}/status`, { status });
  }
  $("poll-create").onclick = () => {
    const kind = $("poll-kind").value;
    const body = { title: $("poll-title").value.trim(), kind, secret: $("poll-secret").checked,
      live_results: $("poll-live").checked, max_choices: Number($("poll-max").value) || 1,
      options: kind === "yesno" ? [] : $("poll-options").value.split(/[、,，]/).map((s) => s.trim()).filter(Boolean) };
    if ($("poll-duration").value) body.duration_seconds = Number($("poll-duration").value);
    act(`/api/v1/meetings/${meetingId}/polls`, body);
  };
  $("outcome-add").onclick = async () => {
    const text = $("outcome-text").value.trim();
    if (text.length < 2) return showError(new Error("请写下商定的事项"));
    await act(`/api/v1/meetings/${meetingId}/outcomes`, { text });
    $("outcome-text").value = "";
  };
  let pending = null;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; load().catch(showError); }, 300); };
  const notice = liveNotice($("live-status"));
  openEvents(meeting.code, { tally: soon, poll: soon, attendance: soon, meeting: soon, proposal: soon, resync: soon,
    tally_service: notice.tally }, { onReconnect: soon, onConnection: notice.link });
  // Buttons work from here on (their handlers are attached above).
  document.body.dataset.ready = "true";
}

main().catch(showError);
