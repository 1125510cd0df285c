// Resident page, meetings: follow the room, what is coming, what was agreed, topics.
import { api } from "/static/common/api.js";
import { el, fill } from "/static/common/dom.js";
import { dayTime, pillClass } from "/static/resident/mine.js";
import { $, code, showError, state } from "/static/resident/shared.js";

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

// Only those who checked in are asked; others read who may rate, with no buttons to press.
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
    if (!data.rating && data.may_rate === false) {
      for (const node of [question, current, choices, form, submit, change]) node.hidden = true;
      hint.hidden = false;
      hint.textContent = "签到参加了这次协商的群众可以评价这项成果。";
      return;
    }
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

export async function toggleFollow() {
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

export async function submitTopic(event) {
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
export function loadMeetingsSection() {
  state.meetingsReady = api(`${publicApi()}/meetings`).then(renderMeetings).then(showOutcomeRoutes)
    .catch(() => {});
  api(`${siteApi()}/follow`).then(renderFollow).catch(() => {});
  loadTopics().catch(() => {});
}
