// Shared by the meeting pages: live events, tally arithmetic and bar drawing.
export function openEvents(code, handlers) {
  const source = new EventSource(`/api/v1/m/${encodeURIComponent(code)}/events`);
  for (const [name, fn] of Object.entries(handlers)) {
    source.addEventListener(name, (ev) => fn(JSON.parse(ev.data || "{}")));
  }
  return source;
}

// A tally event carries Redis' flat [field, value, ...] list: option ids, "p:<id>" paper counts.
export function countsFromTally(tally) {
  if (!tally.counts) return null;
  const flat = Array.isArray(tally.counts) ? tally.counts : Object.entries(tally.counts).flat();
  const out = {};
  for (let i = 0; i < flat.length; i += 2) {
    const field = String(flat[i]);
    const n = Number(flat[i + 1]) || 0;
    const id = field.startsWith("p:") ? field.slice(2) : field;
    if (id === "ballots") continue;
    out[id] = (out[id] || 0) + n;
  }
  return out;
}

export function drawBars(container, poll, counts) {
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 0;
  container.innerHTML = "";
  for (const option of poll.options) {
    const n = counts ? counts[String(option.id)] || 0 : null;
    const row = document.createElement("div");
    row.className = "bar-row";
    row.dataset.option = option.id;
    const pct = total && n !== null ? Math.round((n / total) * 100) : 0;
    row.innerHTML = `<div class="bar-label"></div><div class="bar-track"><div class="bar-fill"></div></div>` +
      `<div class="count"></div><div class="pct"></div>`;
    row.querySelector(".bar-label").textContent = option.label;
    row.querySelector(".bar-fill").style.width = `${pct}%`;
    row.querySelector(".count").textContent = n === null ? "—" : String(n);
    row.querySelector(".pct").textContent = n === null ? "" : `${pct}%`;
    container.appendChild(row);
  }
}

export function newKey() {
  if (window.crypto && crypto.getRandomValues) {
    const a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

export function countdown(closesAt) {
  if (!closesAt) return "";
  const left = Math.max(0, Math.round((Date.parse(closesAt) - Date.now()) / 1000));
  return `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
}
