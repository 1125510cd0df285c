// Figures as officials read them: half up (41.25% → 41.3%), never the binary value's tie
// rule; below 1% three decimals so a district's tiny rate is not shown as 0.0%.
export function pct(v, sign = "%") {
  if (v === null || v === undefined) return "—";
  const places = v === 0 || Math.abs(v) >= 0.01 ? 1 : 3;
  // toPrecision(12) drops the binary noise of v × 100 before rounding the decimal value.
  const scaled = Number((v * 100 * 10 ** places).toPrecision(12));
  return `${(Math.round(scaled) / 10 ** places).toFixed(places)}${sign}`;
}
