// The scene rule, checked against the server's own vectors (tests/qr/scene_vectors.json),
// and the entry rules: 小程序码 scene, ordinary QR link (q), scanned codes.
const fs = require('fs')
const path = require('path')
const { parseScene, SCENE_MAX_LEN } = require('../utils/scene')
const { entryTarget, fromScan } = require('../utils/links')

const VECTORS = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/qr/scene_vectors.json'), 'utf8'))

test('same limit as qr/scene.py', () => {
  expect(SCENE_MAX_LEN).toBe(VECTORS.max_len)
})

test.each(VECTORS.round_trip)('%s %s parses from %s', (kind, code, scene) => {
  expect(parseScene(scene)).toEqual({ kind, code })
})

test.each(VECTORS.url_encoded)('URL-encoded %s', (scene, kind, code) => {
  expect(parseScene(scene)).toEqual({ kind, code })
})

test('longest code fits, one more is refused', () => {
  const code = 'A'.repeat(SCENE_MAX_LEN - 2)
  expect(parseScene(`s=${code}`)).toEqual({ kind: 'site', code })
  expect(() => parseScene(`s=${'A'.repeat(SCENE_MAX_LEN)}`)).toThrow(/32/)
})

test.each(VECTORS.bad_codes)('a code with bad characters %j is refused', (code) => {
  expect(() => parseScene(`s=${code}`)).toThrow()
})

test.each(VECTORS.bad_scenes)('bad scene %j is refused', (scene) => {
  expect(() => parseScene(scene)).toThrow()
})

test('entry: 小程序码 scene, ordinary QR link, meeting code, nothing', () => {
  expect(entryTarget({ scene: 's%3DK7M2QX' })).toBe('/pages/site/index?code=K7M2QX')
  expect(entryTarget({ scene: 'm=AB12CD' })).toBe('/pages/meeting/index?code=AB12CD')
  expect(entryTarget({ q: encodeURIComponent('https://sl.example.cn/s/K7M2QX'), scancode_time: '1' }))
    .toBe('/pages/site/index?code=K7M2QX')
  expect(entryTarget({ q: encodeURIComponent('https://sl.example.cn/m/AB12CD?p=XY7K9Q') }))
    .toBe('/pages/meeting/index?code=AB12CD&p=XY7K9Q')
  expect(entryTarget({ meeting: 'AB12CD' })).toBe('/pages/meeting/index?code=AB12CD')
  expect(entryTarget({ scene: 'x=K7M2QX' })).toBe('')
  expect(entryTarget({ q: encodeURIComponent('https://sl.example.cn/other/K7') })).toBe('')
  expect(entryTarget({})).toBe('')
})

test('scanned: a QR link or a 小程序码 path', () => {
  expect(fromScan({ result: 'https://sl.example.cn/m/AB12CD?p=XY7K9Q', scanType: 'QR_CODE' }))
    .toBe('/pages/meeting/index?code=AB12CD&p=XY7K9Q')
  expect(fromScan({ result: '', path: 'pages/index/index?scene=s%3DK7M2QX', scanType: 'WX_CODE' }))
    .toBe('/pages/site/index?code=K7M2QX')
  expect(fromScan({ result: 'hello' })).toBe('')
})
