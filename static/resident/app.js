// Resident page at /s/{code}: large text, the hash routes between views, and the start.
// One module per view beside this one (shared, home, report, mine, meetings).
import { api, ensureResidentToken } from "/static/common/api.js";
import { LARGE_TEXT } from "/static/common/keys.js";
import { renderHome } from "/static/resident/home.js";
import { loadMeetingsSection, submitTopic, toggleFollow } from "/static/resident/meetings.js";
import { closeRatingChange, findReport, loadDetail, loadMine, openRatingChange, pickRating, submitRating } from "/static/resident/mine.js";
import { addPhotos, openForm, scheduleSimilar, submitReport } from "/static/resident/report.js";
import { $, code, show, showError, state } from "/static/resident/shared.js";

// ---- elder-friendly large text ----------------------------------------------------------

function setLarge(on) {
  document.documentElement.classList.toggle("large", on);
  $("large-toggle").setAttribute("aria-pressed", on ? "true" : "false");
  $("large-toggle").textContent = on ? "标准字" : "大字";
  try { localStorage.setItem(LARGE_TEXT, on ? "1" : "0"); } catch { /* private mode */ }
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  $("page-error").hidden = true;
  try {
    await state.ready;
  } catch {
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

// ---- start ------------------------------------------------------------------------------

async function load() {
  await ensureResidentToken();
  state.overview = await api(`/api/v1/intake/sites/${encodeURIComponent(code)}/overview`);
  renderHome(state.overview);
  loadMeetingsSection();
}

function main() {
  let large = false;
  try { large = localStorage.getItem(LARGE_TEXT) === "1"; } catch { /* private mode */ }
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
  $("find-form").addEventListener("submit", findReport);
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
