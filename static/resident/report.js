// Resident page, report view: the form with photos, similar reports ("我也遇到了"), submit.
import { api } from "/static/common/api.js";
import { el, fill } from "/static/common/dom.js";
import { $, code, newKey, showError, state } from "/static/resident/shared.js";

// ---- report form ------------------------------------------------------------------------

export function openForm() {
  if (!state.key) state.key = newKey();
  const chips = $("category-chips");
  if (!chips.children.length) {
    for (const cat of state.overview.categories) {
      const input = el("input", { type: "radio", name: "category", value: String(cat.id) });
      const label = el("label", {}, input, el("span", {}, cat.name));
      input.addEventListener("change", () => {
        state.category = cat.id;
        for (const l of chips.children) l.classList.toggle("on", l === label);
        scheduleSimilar(true);
      });
      chips.append(label);
    }
  }
}

function renderThumbs() {
  fill($("thumbs"), state.photos.map((p) => el("div", { class: "thumb" },
    el("img", { src: p.thumb_url, alt: "已添加的照片" }),
    el("button", { type: "button", "aria-label": "删除这张照片", onclick: () => {
      state.photos = state.photos.filter((x) => x !== p);
      renderThumbs();
    } }, "✕"))));
  const max = state.overview.limits.photos_max;
  $("add-photo").hidden = state.photos.length >= max;
  $("photo-status").textContent = state.photos.length ? `已添加 ${state.photos.length} / ${max} 张` : "";
}

// Shrink big photos before upload: weak village networks, and it strips metadata early.
async function shrink(file) {
  if (file.size < 1.5 * 1024 * 1024 || !window.createImageBitmap) return file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 2048 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    return blob && blob.size < file.size ? blob : file;
  } catch {
    return file;
  }
}

export async function addPhotos(files) {
  const max = state.overview.limits.photos_max;
  const status = $("photo-status");
  for (const file of files) {
    if (state.photos.length >= max) { status.textContent = `最多 ${max} 张照片`; break; }
    status.textContent = "正在上传照片……";
    const form = new FormData();
    form.append("file", await shrink(file), file.name || "photo.jpg");
    try {
      state.photos.push(await api("/api/v1/intake/photos", { method: "POST", form }));
      renderThumbs();
    } catch (err) {
      status.textContent = err.message;
      return;
    }
  }
}

export function scheduleSimilar(now) {
  clearTimeout(state.similarTimer);
  state.similarTimer = setTimeout(findSimilar, now ? 0 : 700);
}

async function findSimilar() {
  const text = $("text").value.trim();
  if (text.length < 4 || text === state.similarText) return;
  state.similarText = text;
  try {
    const items = await api("/api/v1/intake/similar", { method: "POST",
      body: { site_code: code, text, category_id: state.category } });
    renderSimilar(items.filter((i) => !i.mine));
  } catch { /* suggestions are optional */ }
}

function renderSimilar(items) {
  $("similar").hidden = items.length === 0;
  fill($("similar-list"), items.map((item) => {
    const button = el("button", { type: "button", class: "secondary" },
      item.supported ? "已表示遇到" : "我也遇到了");
    if (item.supported) button.disabled = true;
    const count = el("span", { class: "muted" }, `${item.support_count} 人也遇到了 · ${item.status}`);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const res = await api(`/api/v1/intake/opinions/${encodeURIComponent(item.tracking_no)}/support`,
          { method: "POST" });
        button.textContent = "已表示遇到，谢谢";
        count.textContent = `${res.support_count} 人也遇到了 · ${item.status}`;
      } catch (err) {
        button.disabled = false;
        showError($("form-error"), err);
      }
    });
    return el("li", {}, el("div", {}, `【${item.category}】${item.excerpt}`), count, button);
  }));
}

export async function submitReport(event) {
  event.preventDefault();
  const box = $("form-error");
  box.hidden = true;
  const text = $("text").value.trim();
  if (!state.category) return showError(box, { message: "请先选择问题类别" });
  if (!text) return showError(box, { message: "请写下您要反映的问题" });
  if (state.busy) return;
  state.busy = true;
  $("submit").disabled = true;
  $("submit").textContent = "正在提交……";
  try {
    const receipt = await api("/api/v1/intake/opinions", {
      method: "POST", headers: { "Idempotency-Key": state.key },
      body: { site_code: code, category_id: state.category, text,
        photo_ids: state.photos.map((p) => p.id), phone: $("phone").value.trim() || null,
        anonymous: $("anonymous").checked, consent: $("consent").checked },
    });
    resetForm();
    $("receipt-no").textContent = receipt.tracking_no;
    $("receipt-message").textContent = receipt.message;
    $("receipt-open").setAttribute("href", `#/mine/${encodeURIComponent(receipt.tracking_no)}`);
    location.hash = `#/receipt/${encodeURIComponent(receipt.tracking_no)}`;
  } catch (err) {
    const fields = err.errors || {};
    const messages = [].concat(...Object.values(fields));
    const first = messages.find((m) => typeof m === "string");
    showError(box, { message: first && err.status === 422 ? `${err.message}：${first}` : err.message });
  } finally {
    state.busy = false;
    $("submit").disabled = false;
    $("submit").textContent = "提交反映";
  }
}

function resetForm() {
  $("report-form").reset();
  state.photos = [];
  state.category = null;
  state.key = null;
  state.similarText = "";
  for (const l of $("category-chips").children) l.classList.remove("on");
  $("text-count").textContent = "0";
  $("similar").hidden = true;
  renderThumbs();
}
