// Where an entry leads: a 小程序码's scene, an ordinary QR link (普通链接二维码, `q`), a
// scanned code, or plain page options. Returns the page URL to open, or '' for the home page.
const { parseScene } = require('./scene')

const CODE = /^[0-9A-Za-z\-._~!*'()]{1,32}$/

function pageFor(kind, code, presence) {
  const c = encodeURIComponent(code)
  if (kind === 'site') return `/pages/site/index?code=${c}`
  const p = presence ? `&p=${encodeURIComponent(presence)}` : ''
  return `/pages/meeting/index?code=${c}${p}`
}

function queryOf(text) {
  const out = {}
  for (const pair of String(text || '').split('&')) {
    if (!pair) continue
    const at = pair.indexOf('=')
    const key = at < 0 ? pair : pair.slice(0, at)
    const value = at < 0 ? '' : pair.slice(at + 1)
    try {
      out[decodeURIComponent(key)] = decodeURIComponent(value.replace(/\+/g, ' '))
    } catch (e) {
      out[key] = value
    }
  }
  return out
}

// "https://host/s/CODE" or "https://host/m/CODE?p=PRESENCE" (the posters' and the big
// screen's QR codes) -> target page; anything else -> ''.
function fromLink(url) {
  const m = /^https?:\/\/[^/?#]+\/([sm])\/([^/?#]+)\/?(?:\?([^#]*))?/.exec(String(url || '').trim())
  if (!m) return ''
  let code
  try {
    code = decodeURIComponent(m[2])
  } catch (e) {
    return ''
  }
  if (!CODE.test(code)) return ''
  const query = queryOf(m[3])
  return pageFor(m[1] === 's' ? 'site' : 'meeting', code, m[1] === 'm' ? query.p : '')
}

// The options a page gets on launch: {scene} from a 小程序码, {q} from an ordinary QR link
// (q is the whole URL, encoded), or {code} of a meeting when opened by a link in the app.
function entryTarget(options) {
  const opts = options || {}
  if (opts.scene) {
    try {
      const { kind, code } = parseScene(opts.scene)
      return pageFor(kind, code)
    } catch (e) {
      return ''
    }
  }
  if (opts.q) {
    let url = opts.q
    try {
      url = decodeURIComponent(opts.q)
    } catch (e) { /* already plain */ }
    return fromLink(url)
  }
  if (opts.meeting && CODE.test(opts.meeting)) return pageFor('meeting', opts.meeting, opts.p)
  if (opts.site && CODE.test(opts.site)) return pageFor('site', opts.site)
  return ''
}

// wx.scanCode's answer: a 小程序码 gives `path` ("pages/index/index?scene=s%3DCODE"), a
// QR code gives `result` (the URL it holds).
function fromScan(res) {
  if (res && res.path) {
    const at = res.path.indexOf('?')
    const target = entryTarget(queryOf(at < 0 ? '' : res.path.slice(at + 1)))
    if (target) return target
  }
  return fromLink(res && res.result)
}

module.exports = { entryTarget, fromLink, fromScan, pageFor, queryOf }
