// How the pages write times and shares: always Beijing time, whatever the browser's zone.
const ZONE = "Asia/Shanghai";

// "2026/11/28 10:30:00"
export function localTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("zh-CN", { timeZone: ZONE, hour12: false });
}

// "2026/11/28 10:30"
export function localMinute(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("zh-CN", { timeZone: ZONE, hour12: false,
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

// "2026/11/28"
export function localDate(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleDateString("zh-CN", { timeZone: ZONE });
}

// 0.1234 -> "12.3%"; no value -> "—"
// Percentages round half up as officials expect (numbers.js).
export { pct as percent } from "/static/common/numbers.js";
