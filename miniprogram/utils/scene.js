// The scene of a site's or meeting's 小程序码: "s=CODE" or "m=CODE", the same rule as the
// server's qr/scene.py (tested against the same vectors, tests/qr/scene_vectors.json).
const SCENE_MAX_LEN = 32
const SCENE_CHARSET = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/
const KINDS = { s: 'site', m: 'meeting' }

// Python's urllib.parse.unquote: decode %XX runs as UTF-8, leave anything else as it is.
function unquote(text) {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run)
    } catch (e) {
      return '\ufffd'
    }
  })
}

function validate(scene) {
  if (!scene) throw new Error('场景值为空')
  if (scene.length > SCENE_MAX_LEN) {
    throw new Error(`场景值最多 ${SCENE_MAX_LEN} 个字符，实际 ${scene.length} 个`)
  }
  if (!SCENE_CHARSET.test(scene)) throw new Error('场景值含不允许的字符')
}

// Return {kind, code} from a scene; WeChat hands it to the page URL-encoded ("s%3DK7M2QX").
function parseScene(scene) {
  let text = String(scene == null ? '' : scene)
  for (let i = 0; i < 2 && text.indexOf('%') >= 0; i++) text = unquote(text)
  validate(text)
  const at = text.indexOf('=')
  const prefix = at < 0 ? '' : text.slice(0, at)
  const code = at < 0 ? '' : text.slice(at + 1)
  if (!KINDS[prefix] || !code) throw new Error('无法识别的场景值，应为 s=编号 或 m=编号')
  return { kind: KINDS[prefix], code }
}

module.exports = { parseScene, SCENE_MAX_LEN }
