// One-time invitation reply for experts and members without an account.
import { api, ApiError } from "/static/common/api.js";

const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.split("/").pop());
const base = `/api/v1/invitations/by-token/${encodeURIComponent(token)}`;

function fail(err) {
  $("loading").hidden = true;
  $("invite").hidden = true;
  $("error").textContent = err instanceof ApiError ? err.message : String(err);
  $("error").hidden = false;
}

function answered(inv) {
  $("invite").hidden = true;
  $("answered-text").textContent = `您已${inv.status_name}：${inv.target.label}`;
  $("answered").hidden = false;
}

async function start() {
  try {
    const inv = await api(base, { token: null });
    $("name").textContent = inv.invitee_name;
    $("target").textContent = inv.target.label;
    if (inv.target.summary) {
      $("summary").textContent = inv.target.summary;
      $("summary").hidden = $("summary-label").hidden = false;
    }
    if (inv.target.starts_at) {
      $("time").textContent = inv.target.starts_at;
      $("time").hidden = $("time-label").hidden = false;
    }
    $("by").textContent = inv.invited_by || "区政协";
    $("message").textContent = inv.message || "—";
    $("loading").hidden = true;
    $("invite").hidden = false;
  } catch (err) { fail(err); }
  document.body.dataset.ready = "1";
}

$("reply").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const response = ev.submitter ? ev.submitter.value : "accept";
  for (const b of document.querySelectorAll("#reply button")) b.disabled = true;
  try {
    const inv = await api(`${base}/respond`, {
      method: "POST", token: null, body: { response, note: $("note").value.trim() || null } });
    answered(inv);
  } catch (err) {
    fail(err);
  }
});

start();
