// The big screen: rotating join QR, attendance and quorum, live bars, countdown, final result.
import { api } from "/static/common/api.js";
import { countdown, countsFromTally, drawBars, liveNotice, openEvents } from "/static/meetings/live.js";

const meetingId = location.pathname.split("/").filter(Boolean)[1];
const state = { poll: null, version: 0, code: null };
const $ = (id) => document.getElementById(id);

function renderPoll() {
  const poll = state.poll;
  $("final").hidden = true;
  $("poll-error").hidden = true;
  if (!poll) { $("poll-title").textContent = "等待主持人发起表决"; $("bars").innerHTML = ""; return; }
  $("poll-title").textContent = poll.title;
  const hidden = poll.status === "open" && !poll.live_results;
  $("poll-meta").textContent = `${poll.kind_name}${poll.max_choices > 1 ? `（最多选 ${poll.max_choices} 项）` : ""}` +
    ` · ${poll.secret ? "无记名" : "记名"}${hidden ? " · 结果将在表决结束后公布" : ""}`;
  $("ballots").textContent = String(poll.ballots || 0);
  drawBars($("bars"), poll, poll.counts);
  if (poll.status === "closed" && poll.result) {
    $("final").hidden = false;
    $("final").textContent = `表决结束 · 最终结果：共 ${poll.result.ballots} 张电子票` +
      (poll.result.paper ? `，现场纸质/举手 ${poll.result.paper} 票` : "");
  } else if (poll.status === "closed") {
    $("final").hidden = false;
    $("final").textContent = "表决已结束 · 计票服务恢复后自动完成结算，已确认的选票都会计入";
  }
  if (poll.result_error) { $("poll-error").hidden = false; $("poll-error").textContent = poll.result_error; }
}

function renderAttendance(a) {
  $("checked-in").textContent = String(a.checked_in);
  $("quorum").textContent = a.quorum ? `法定人数 ${a.quorum} 人 · ${a.quorum_met ? "已达到" : "未达到"}` : "";
}

function renderSnapshot(snap) {
  $("title").textContent = snap.meeting.title;
  $("subtitle").textContent = `${snap.meeting.site.name} · ${snap.meeting.status_name}`;
  renderAttendance(snap.attendance);
  state.poll = snap.current_poll;
  state.version = 0;  // a fresh snapshot: tallies numbered from a rebuilt Redis count again
  renderPoll();
}

async function refreshQr() {
  try {
    const join = await api(`/api/v1/meetings/${meetingId}/join-code`, { token: null });
    $("qr").innerHTML = join.svg;
    $("qr").dataset.url = join.url;
    setTimeout(refreshQr, Math.max(500, join.expires_in * 1000 + 200));
  } catch (err) {
    $("page-error").hidden = false;
    $("page-error").textContent = err.status === 401 ? "请先在本机登录员工控制台再打开大屏幕" : err.message;
    setTimeout(refreshQr, 5000);
  }
}

async function reload() {
  renderSnapshot(await api(`/api/v1/m/${state.code}`, { token: null }));
}

async function main() {
  const meeting = await api(`/api/v1/meetings/${meetingId}`, { token: null });
  state.code = meeting.code;
  refreshQr();
  const notice = liveNotice($("live-status"));
  openEvents(state.code, {
    snapshot: renderSnapshot,
    tally: (t) => {
      if (!state.poll || t.poll !== state.poll.id || state.poll.status !== "open") return;
      if (t.v < state.version) return;
      state.version = t.v;
      state.poll.ballots = t.ballots;
      const counts = countsFromTally(t);
      if (counts) state.poll.counts = counts;
      renderPoll();
    },
    poll: (p) => { state.poll = p; state.version = 0; renderPoll(); },
    attendance: renderAttendance,
    meeting: () => reload(),
    resync: () => reload(),
    tally_service: notice.tally,
  }, { onConnection: notice.link });
  setInterval(() => {
    $("countdown").textContent = state.poll && state.poll.status === "open" ? countdown(state.poll.closes_at) : "";
  }, 250);
}

main().catch((err) => { $("page-error").hidden = false; $("page-error").textContent = err.message; });
