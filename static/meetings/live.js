// Shared by the meeting pages: live events, tally arithmetic and bar drawing.

// Open the meeting's event stream and keep it open. The browser reconnects by itself after a
// network error; after an HTTP error (a proxy's 502 while the app restarts) it gives up, so
// we reopen it ourselves with backoff — the page never needs a reload. Every (re)connection
// starts with a fresh snapshot; `onReconnect` runs on each reconnection (not the first) for
// pages that draw from their own API call, `onConnection(ok)` when the link drops or returns.
export function openEvents(code, handlers, { onReconnect, onConnection } = {}) {
  const url = `/api/v1/m/${encodeURIComponent(code)}/events`;
  let delay = 1000;
  let opens = 0;
  let source = null;
  const connect = () => {
    source = new EventSource(url);
    for (const [name, fn] of Object.entries(handlers)) {
      source.addEventListener(name, (ev) => fn(JSON.parse(ev.data || "{}")));
    }
    source.onopen = () => {
      delay = 1000;
      if (onConnection) onConnection(true);
      if (opens++ > 0 && onReconnect) onReconnect();
    };
    source.onerror = () => {
      if (onConnection) onConnection(false);
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, delay + Math.random() * 500);
        delay = Math.min(delay * 2, 15000);
      }
    };
  };
  connect();
  return { close: () => source.close() };
}

// What a page shows while the tally service (Redis) is away or the stream is reconnecting.
export function liveNotice(el) {
  let tally = true;
  let link = true;
  let tallyMessage = "";
  const draw = () => {
    const text = !link ? "连接中断，正在重新连接……" : (!tally ? tallyMessage : "");
    el.hidden = !text;
    el.textContent = text;
  };
  return {
    tally: (t) => { tally = Boolean(t.ok); tallyMessage = t.message || "计票服务正在恢复"; draw(); },
    link: (ok) => { link = ok; draw(); },
  };
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
