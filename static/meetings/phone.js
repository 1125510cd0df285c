// The resident's phone page: check in, vote once per poll, see results when they are shown.
import { api, ensureResidentToken } from "/static/common/api.js";
import { countsFromTally, drawBars, newKey, openEvents } from "/static/meetings/live.js";

const code = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const presence = new URLSearchParams(location.search).get("p");
const state = { me: { checked_in: false, votes: {} }, poll: null, picked: new Set(), key: null,
  status: null };
const $ = (id) => document.getElementById(id);

function showError(err) {
  $("page-error").hidden = !err;
  $("page-error").textContent = err ? (err.message || "网络不太好，请稍后再试") : "";
}

function render() {
  // Check-in is open while the meeting is published or in session; after it, nothing to join.
  const joinable = state.status === "published" || state.status === "in_session";
  $("checkin-card").hidden = state.me.checked_in || !joinable;
  $("checked-in").hidden = !state.me.checked_in;
  $("proposal-card").hidden = !state.me.checked_in || !joinable;
  const poll = state.poll;
  $("poll-card").hidden = !poll;
  if (!poll) return;
  const voted = Boolean(state.me.votes[String(poll.id)]);
  $("poll-title").textContent = poll.title;
  $("poll-meta").textContent = poll.status === "open"
    ? `${poll.kind_name}${poll.max_choices > 1 ? `，最多选 ${poll.max_choices} 项` : ""}` : "表决已结束";
  const canVote = poll.status === "open" && state.me.checked_in && !voted;
  const box = $("options");
  box.innerHTML = "";
  if (canVote) {
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
  $("vote").hidden = !canVote;
  $("voted").hidden = !voted;
  if (poll.counts) drawBars($("bars"), poll, poll.counts); else $("bars").innerHTML = "";
}

function pick(id) {
  const max = state.poll.max_choices;
  if (state.picked.has(id)) state.picked.delete(id);
  else {
    if (max === 1) state.picked.clear();
    if (state.picked.size < max) state.picked.add(id);
  }
  state.key = null;
  render();
}

async function vote() {
  if (!state.picked.size) { showError(new Error("请先选择")); return; }
  state.key = state.key || newKey();  // a retry after a network error reuses the key
  $("vote").disabled = true;
  try {
    await api(`/api/v1/polls/${state.poll.id}/votes`, {
      method: "POST", body: { choices: [...state.picked], idempotency_key: state.key } });
    state.me.votes[String(state.poll.id)] = true;
    showError(null);
  } catch (err) {
    if (err.code === "already_voted") state.me.votes[String(state.poll.id)] = true;
    showError(err);
  } finally {
    $("vote").disabled = false;
    render();
  }
}

async function checkIn() {
  try {
    await api(`/api/v1/m/${encodeURIComponent(code)}/checkin`, { method: "POST", body: { presence } });
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
  if (!state.poll || !poll || state.poll.id !== poll.id) { state.picked.clear(); state.key = null; }
  state.poll = poll;
  render();
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

async function reload() {
  const view = await api(`/api/v1/m/${encodeURIComponent(code)}`);
  state.me = view.me;
  state.status = view.meeting.status;
  $("title").textContent = view.meeting.title;
  $("subtitle").textContent = `${view.meeting.site.name} · ${view.meeting.status_name}`;
  renderOutcomes(view.meeting);
  setPoll(view.current_poll);
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
  openEvents(code, {
    tally: (t) => {
      if (!state.poll || t.poll !== state.poll.id || state.poll.status !== "open") return;
      const counts = countsFromTally(t);
      if (counts) { state.poll.counts = counts; render(); }
    },
    poll: (p) => { if (!state.poll || p.id === state.poll.id || p.status === "open") setPoll(p); },
    meeting: () => reload().catch(showError),
    resync: () => reload().catch(showError),
  });
}

main();
