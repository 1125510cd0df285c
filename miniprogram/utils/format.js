// Text helpers shared by the pages (the same wording as the H5 pages).

// "2026-12-05 10:00" -> "12月5日10:00".
function dayTime(text) {
  const m = /^\d{4}-(\d{2})-(\d{2}) (\d{2}:\d{2})/.exec(text || '')
  return m ? `${Number(m[1])}月${Number(m[2])}日${m[3]}` : text || ''
}

// An ISO UTC time -> "2026-12-05 10:00" in Beijing time (UTC+8, no daylight saving).
function localText(iso) {
  if (!iso) return ''
  const at = new Date(new Date(iso).getTime() + 8 * 3600 * 1000)
  const pad = (n) => String(n).padStart(2, '0')
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`
}

function pillClass(status) {
  if (status === '已答复' || status === '已办结') return 'pill done'
  if (status === '已收到' || status === '审核中') return 'pill wait'
  return 'pill'
}

function errorText(err) {
  return (err && err.message) || '网络不太好，请稍后再试'
}

module.exports = { dayTime, localText, pillClass, errorText }
