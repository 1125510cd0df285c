// The resident's phone page: check in, vote once per poll, see results when they are shown.
import { api, deviceId, ensureResidentToken } from "/static/common/api.js";
import { el, fill } from "/static/common/dom.js";
import { localMinute } from "/static/common/format.js";
import { countsFromTally, drawBars, liveNotice, newKey, openEvents } from "/static/meetings/live.js";

const code = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const presence = new URLSearchParams(location.search).get("p");
const state = { me: { checked_in: false, votes: {}, votes_confirmed: true }, poll: null,
  picked: new Set(), status: null, sending: null, confirmTimer: null, presenceCheck: false };
const $ = (id) => document.getElementById(id);

// A ballot sent but not yet answered for sure is kept per poll in localStorage, with its
// idempotency key, across option changes and reloads: every retry carries the same key, so the
// server counts it at most once and a retry of a ballot it already took answers with the
// choice it recorded. Only a definite answer ends it: 2xx (counted) or a 4xx refusal.
const PENDING = (pollId) => `sl.vote.pending.${pollId}`;
const DONE = (pollId) => `sl.vote.done.${pollId}`;

function stored(key) {
  try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
}
function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value));
  } catch (e) { /* private mode: the page still retries while it stays open */ }
}

function showError(err) {
  $("page-error").hidden = !err;
  $("page-error").textContent = err ? (err.message || "网络不太好，请稍后再试") : "";
}

function setVoteStatus(text) {
  $("vote-status").hidden = !text;
  $("vote-status").textContent = text || "";
}

function labels(poll, choices) {
  const names = new Map(poll.options.map((o) => [o.id, o.label]));
  return (choices || []).map((c) => names.get(c)).filter(Boolean).join("、");
}

function render() {
  // Check-in is open while the meeting is published or in session; after it, nothing to join.
  const joinable = state.status === "published" || state.status === "in_session";
  // Where check-in needs the screen's QR code, a button without it could only be refused:
  // say how to check in instead.
  const needsScreen = state.presenceCheck && !presence;
  $("checkin-card").hidden = state.me.checked_in || !joinable || needsScreen;
  $("checkin-hint").hidden = state.me.checked_in || !needsScreen ||
    !(joinable || state.status === "draft");
  $("checked-in").hidden = !state.me.checked_in;
  $("proposal-card").hidden = !state.me.checked_in || !joinable;
  const poll = state.poll;
  $("poll-card").hidden = !poll;
  if (!poll) return;
  const voted = Boolean(state.me.votes[String(poll.id)]);
  const sending = state.sending === poll.id;
  $("poll-title").textContent = poll.title;
  $("poll-meta").textContent = poll.status === "open"
    ? `${poll.kind_name}${poll.max_choices > 1 ? `，最多选 ${poll.max_choices} 项` : ""}`
    : (poll.freeze_pending ? "表决已结束，结果稍后公布" : "表决已结束");
  // While the tally service is away a ballot not yet in the database cannot be seen: the page
  // says it is confirming instead of offering a vote it may already have.
  const unsure = !voted && !sending && state.me.checked_in && poll.status === "open" &&
    !state.me.votes_confirmed;
  const choosing = poll.status === "open" && state.me.checked_in && !voted && !unsure;
  const box = $("options");
  box.innerHTML = "";
  if (choosing) {
    for (const option of poll.options) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = option.label;
      b.dataset.option = option.id;
      if (state.picked.has(option.id)) b.className = "picked";
      b.addEventListener("click", () => pick(option.id));
      box.appendChild(b);
    }
  }
  $("vote").hidden = !choosing;
  $("vote").disabled = sending;
  $("vote").textContent = sending ? "正在提交……" : "投票";
  $("voted").hidden = !voted;
  const done = stored(DONE(poll.id));
  $("voted").textContent = done && done.choices && done.choices.length
    ? `已投票：${labels(poll, done.choices)}` : "已投票";
  if (unsure) setVoteStatus("计票服务正在恢复，正在确认您的投票状态，请稍候……");
  else if (!sending) setVoteStatus(null);
  if (poll.counts) drawBars($("bars"), poll, poll.counts); else $("bars").innerHTML = "";
}

function pick(id) {
  const max = state.poll.max_choices;
  if (state.picked.has(id)) state.picked.delete(id);
  else {
    if (max === 1) state.picked.clear();
    if (state.picked.size < max) state.picked.add(id);
  }
  // A ballot still waiting for its answer keeps its key: if the server took the first
  // choice, the retry answers with that one; if not, the new choice is what gets sent.
  const pending = stored(PENDING(state.poll.id));
  if (pending && state.picked.size) store(PENDING(state.poll.id), { ...pending, choices: [...state.picked] });
  render();
}

function vote() {
  if (!state.picked.size) { showError(new Error("请先选择")); return; }
  const pollId = state.poll.id;
  const pending = stored(PENDING(pollId)) || { key: newKey() };
  store(PENDING(pollId), { ...pending, choices: [...state.picked] });
  send(pollId, 0);
}

// No definite answer (network error, connection reset, 5xx, 503 vote_pending): same ballot,
// same key, again after a pause that grows to 15 s (at least what the server asked for).
function retryDelay(attempt, err) {
  const asked = Number(err.errors && err.errors.retry_after) || 0;
  const grown = Math.min(15000, 1000 * 2 ** Math.min(attempt, 4));
  return Math.max(asked * 1000, grown) + Math.random() * 500;
}

async function send(pollId, attempt) {
  const pending = stored(PENDING(pollId));
  if (!pending || (state.sending === pollId && attempt === 0)) return;
  state.sending = pollId;
  if (attempt === 0) setVoteStatus("正在提交您的选票……");
  render();
  try {
    const answer = await api(`/api/v1/polls/${pollId}/votes`, {
      method: "POST", body: { choices: pending.choices, idempotency_key: pending.key } });
    store(PENDING(pollId), null);
    store(DONE(pollId), { choices: answer.choices || pending.choices, ballot_id: answer.ballot_id });
    state.me.votes[String(pollId)] = true;
    state.sending = null;
    const changed = answer.replay && answer.choices &&
      answer.choices.slice().sort().join() !== pending.choices.slice().sort().join();
    setVoteStatus(changed && state.poll && state.poll.id === pollId
      ? `您的选票在网络中断前已经计入：${labels(state.poll, answer.choices)}（以第一次提交为准）` : null);
    showError(null);
  } catch (err) {
    if (!err.status || err.status >= 500 || err.status === 408 || err.status === 429) {
      const wait = retryDelay(attempt, err);
      const seconds = Math.ceil(wait / 1000);
      setVoteStatus(err.code === "vote_pending"
        ? `${err.message}（${seconds} 秒后重试）`
        : `网络不稳定，您的选票尚未确认，${seconds} 秒后自动重试（第 ${attempt + 1} 次）……请勿关闭页面`);
      setTimeout(() => send(pollId, attempt + 1), wait);
      return;
    }
    // A definite refusal: this ballot will never count; say why.
    store(PENDING(pollId), null);
    state.sending = null;
    setVoteStatus(null);
    if (err.code === "already_voted") state.me.votes[String(pollId)] = true;
    showError(err);
  }
  render();
}

async function checkIn() {
  try {
    await api(`/api/v1/m/${encodeURIComponent(code)}/checkin`, { method: "POST", body: { presence },
      headers: { "X-Device-Id": deviceId() } });
    state.me.checked_in = true;
    showError(null);
    render();
  } catch (err) { showError(err); }
}

async function propose() {
  const text = $("proposal-text").value.trim();
  if (!text) return;
  try {
    await api(`/api/v1/m/${encodeURIComponent(code)}/proposals`, { method: "POST", body: { text } });
    $("proposal-text").value = "";
    $("proposal-done").hidden = false;
  } catch (err) { showError(err); }
}

function setPoll(poll) {
  if (!state.poll || !poll || state.poll.id !== poll.id) {
    state.picked.clear();
    const pending = poll && stored(PENDING(poll.id));
    if (pending) for (const c of pending.choices || []) state.picked.add(c);
  }
  state.poll = poll;
  render();
  // A ballot left unanswered (the page was reloaded, or the phone lost its network) goes out
  // again by itself with its key.
  if (poll && stored(PENDING(poll.id)) && state.sending !== poll.id) send(poll.id, 0);
}

// What the meeting agreed, with the feedback so far; following up and rating happen on the
// site's page, where every meeting of the room keeps its outcomes.
function renderOutcomes(meeting) {
  const list = meeting.outcomes || [];
  $("outcomes-card").hidden = list.length === 0;
  $("outcomes").replaceChildren(...list.map((o) => {
    const item = document.createElement("li");
    const agreed = document.createElement("p");
    agreed.textContent = `商定：${o.text}`;
    const feedback = document.createElement("p");
    feedback.className = o.feedback ? "" : "muted";
    feedback.textContent = `落实反馈：${o.feedback || "正在落实，有进展会在议事室页面公布"}`;
    item.append(agreed, feedback);
    return item;
  }));
  $("outcomes-link").href = `/s/${encodeURIComponent(meeting.site.code)}#/meeting/${encodeURIComponent(code)}`;
}

// Time, place and agenda: what someone needs before going to the meeting.
function renderDetails(meeting) {
  const ends = meeting.ends_at ? ` 至 ${localMinute(meeting.ends_at).slice(-5)}` : "";
  $("d-when").textContent = `${localMinute(meeting.starts_at)}${ends}`;
  $("d-place").textContent = [meeting.location, meeting.site.name].filter(Boolean).join(" · ");
  $("d-description").hidden = !meeting.description;
  $("d-description").textContent = meeting.description || "";
  const agenda = meeting.agenda || [];
  $("d-agenda-title").hidden = agenda.length === 0;
  fill($("d-agenda"), agenda.map((a) => el("li", {}, a.title, a.note ? el("span", { class: "muted" }, `（${a.note}）`) : null)));
  const people = (meeting.participants || []).map((p) => `${p.kind_name}：${p.name}`);
  $("d-participants").hidden = people.length === 0;
  $("d-participants").textContent = people.length ? `参加人员：${people.join("；")}` : "";
  $("details").hidden = false;
}

async function reload() {
  const view = await api(`/api/v1/m/${encodeURIComponent(code)}`);
  state.me = view.me;
  state.status = view.meeting.status;
  state.presenceCheck = Boolean(view.meeting.presence_check);
  $("title").textContent = view.meeting.title;
  renderDetails(view.meeting);
  $("subtitle").textContent = `${view.meeting.site.name} · ${view.meeting.status_name}`;
  renderOutcomes(view.meeting);
  setPoll(view.current_poll);
  // Until the tally service can say whether this phone voted, ask again every few seconds.
  clearTimeout(state.confirmTimer);
  if (view.me.votes_confirmed === false) {
    state.confirmTimer = setTimeout(() => reload().catch(() => {}), 3000);
  }
}

async function main() {
  try {
    await ensureResidentToken();
    await reload();
    if (!state.me.checked_in && presence) await checkIn();
  } catch (err) { showError(err); $("subtitle").textContent = ""; return; }
  $("checkin").addEventListener("click", checkIn);
  $("vote").addEventListener("click", vote);
  $("proposal-send").addEventListener("click", propose);
  const notice = liveNotice($("live-status"));
  openEvents(code, {
    tally: (t) => {
      if (!state.poll || t.poll !== state.poll.id || state.poll.status !== "open") return;
      const counts = countsFromTally(t);
      if (counts) { state.poll.counts = counts; render(); }
    },
    poll: (p) => { if (!state.poll || p.id === state.poll.id || p.status === "open") setPoll(p); },
    meeting: () => reload().catch(showError),
    resync: () => reload().catch(showError),
    tally_service: notice.tally,
  }, { onReconnect: () => reload().catch(showError), onConnection: notice.link });
}

main();
