// The test world of the mini-program: a `wx` whose network calls (wx.request,
// wx.uploadFile) reach the real server over HTTP, storage kept in memory like a phone's,
// and stubs only where WeChat itself answers (login code, scanCode, chooseMedia, subscribe
// consent). Pages are rendered with miniprogram-simulate and opened as WeChat's router would.
const fs = require('fs')
const http = require('http')
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.join(__dirname, '..')
const config = require('../config')

function env(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run these tests through tests/miniprogram/test_jest.py (pytest), which starts the server`)
  return value
}

const seed = () => JSON.parse(fs.readFileSync(env('SL_SEED'), 'utf8'))

// One HTTP exchange; `body` is a Buffer or undefined; onWrite(sent, total) while sending.
function exchange(url, { method = 'GET', headers = {}, body, onWrite } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: Object.assign({}, headers,
      body ? { 'Content-Length': body.length } : {}) }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    if (!body) return req.end()
    // Written in pieces, so an upload reports progress as WeChat's UploadTask does.
    const piece = Math.max(4096, Math.ceil(body.length / 8))
    let sent = 0
    const next = () => {
      if (sent >= body.length) return req.end()
      const chunk = body.subarray(sent, sent + piece)
      sent += chunk.length
      req.write(chunk, () => {
        if (onWrite) onWrite(sent, body.length)
        next()
      })
    }
    next()
    return undefined
  })
}

function parse(text) {
  try {
    return JSON.parse(text)
  } catch (e) {
    return text
  }
}

// What WeChat itself would answer; tests set these per step.
const stubs = { user: 'resident-a', loginCount: 0, scanCode: null, chooseMedia: null, subscribe: null,
  subscribeAsked: [], nav: [], requests: [], progress: [] }
const storage = new Map()

const wx = {
  request(opts) {
    const headers = Object.assign({}, opts.header)
    const body = opts.data === undefined || opts.method === 'GET' ? undefined
      : Buffer.from(typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data))
    stubs.requests.push(`${opts.method || 'GET'} ${opts.url.replace(config.apiBase, '')}`)
    exchange(opts.url, { method: opts.method || 'GET', headers, body }).then((res) => {
      const data = opts.dataType === 'json' ? parse(res.text) : res.text
      if (opts.success) opts.success({ statusCode: res.statusCode, data, header: res.headers })
    }, (err) => { if (opts.fail) opts.fail({ errMsg: `request:fail ${err.message}` }) })
    return { abort() {} }
  },
  uploadFile(opts) {
    const listeners = []
    const boundary = '----slminiprogram' + Date.now()
    const file = fs.readFileSync(opts.filePath)
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${opts.name}"; ` +
        `filename="${path.basename(opts.filePath)}"\r\nContent-Type: image/jpeg\r\n\r\n`),
      file, Buffer.from(`\r\n--${boundary}--\r\n`)])
    const headers = Object.assign({}, opts.header, { 'Content-Type': `multipart/form-data; boundary=${boundary}` })
    setTimeout(() => {
      exchange(opts.url, { method: 'POST', headers, body, onWrite: (sent, total) => {
        const p = { progress: Math.round((sent * 100) / total), totalBytesSent: sent, totalBytesExpectedToSend: total }
        stubs.progress.push(p.progress)
        listeners.forEach((cb) => cb(p))
      } }).then((res) => opts.success && opts.success({ statusCode: res.statusCode, data: res.text }),
        (err) => opts.fail && opts.fail({ errMsg: `uploadFile:fail ${err.message}` }))
    })
    return { onProgressUpdate(cb) { listeners.push(cb) }, abort() {} }
  },
  login(opts) {
    stubs.loginCount += 1
    setTimeout(() => opts.success({ code: `${stubs.user}:${stubs.loginCount}`, errMsg: 'login:ok' }))
  },
  scanCode(opts) {
    setTimeout(() => (stubs.scanCode ? opts.success(Object.assign({ errMsg: 'scanCode:ok' }, stubs.scanCode))
      : opts.fail && opts.fail({ errMsg: 'scanCode:fail cancel' })))
  },
  chooseMedia(opts) {
    setTimeout(() => (stubs.chooseMedia ? opts.success({ type: 'image', tempFiles: stubs.chooseMedia })
      : opts.fail && opts.fail({ errMsg: 'chooseMedia:fail cancel' })))
  },
  requestSubscribeMessage(opts) {
    stubs.subscribeAsked.push(opts.tmplIds)
    setTimeout(() => (stubs.subscribe ? opts.success(Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, stubs.subscribe))
      : opts.fail && opts.fail({ errMsg: 'requestSubscribeMessage:fail cancel', errCode: 20004 })))
  },
  getStorageSync: (key) => (storage.has(key) ? JSON.parse(storage.get(key)) : ''),
  setStorageSync: (key, value) => { storage.set(key, JSON.stringify(value)) },
  removeStorageSync: (key) => { storage.delete(key) },
  navigateTo(opts) { stubs.nav.push(['navigateTo', opts.url]); if (opts.success) opts.success({}) },
  redirectTo(opts) { stubs.nav.push(['redirectTo', opts.url]); if (opts.success) opts.success({}) },
  setNavigationBarTitle() {},
  stopPullDownRefresh() {},
  previewImage() {},
  showToast() {},
}

global.wx = wx
jest.doMock(path.join(ROOT, 'config.js'), () => config)

function configure() {
  config.apiBase = env('SL_API_BASE')
  return seed()
}

const loaded = {}

// Render a page as WeChat opens `url` ("/pages/site/index?code=X"): onLoad(query), onShow.
async function openPage(url) {
  const [pagePath, queryText] = url.replace(/^\//, '').split('?')
  const file = path.join(ROOT, pagePath)
  if (!fs.existsSync(`${file}.js`)) throw new Error(`no such page: ${url}`)
  if (!loaded[file]) {
    // Each load runs the page's and its components' files afresh (as WeChat does per page);
    // jest would otherwise hand back the modules of an earlier load, whose Component() calls
    // do not run again. Every fresh copy shares the one configured config.js.
    jest.isolateModules(() => {
      loaded[file] = simulate.load(file, pagePath.split('/')[1], { rootPath: ROOT })
    })
  }
  const page = simulate.render(loaded[file])
  page.attach(document.createElement('parent-wrapper'))
  const query = {}
  for (const pair of (queryText || '').split('&').filter(Boolean)) {
    const [k, v = ''] = pair.split('=')
    query[k] = decodeURIComponent(v)
  }
  await page.instance.onLoad(query)
  if (page.instance.onShow) page.instance.onShow()
  page.close = () => { if (page.instance.onUnload) page.instance.onUnload(); page.detach() }
  return page
}

const text = (comp) => comp.dom.textContent.replace(/\s+/g, ' ')

// Wait until check() returns truthy; past the deadline fail with what was last seen.
async function waitFor(what, check, { timeout = 15000, seen = () => '' } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}; saw: ${seen()}`)
    await simulate.sleep(50)
  }
}

// Tap the first match; the event is delivered asynchronously, as in WeChat.
async function tap(comp, selector) {
  const target = comp.querySelector(selector)
  if (!target) throw new Error(`nothing matches ${selector} in: ${text(comp).slice(0, 400)}`)
  target.dispatchEvent('tap')
  await simulate.sleep(10)
}

// Staff and fake-WeChat calls made by the test itself (not by the mini-program).
async function staffApi(token, apiPath, { method = 'GET', data } = {}) {
  const res = await exchange(config.apiBase + apiPath, { method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: data === undefined ? undefined : Buffer.from(JSON.stringify(data)) })
  const body = parse(res.text)
  if (res.statusCode >= 300) throw new Error(`${method} ${apiPath} -> ${res.statusCode}: ${res.text}`)
  return body
}

// The openid the fake WeChat gives a wx.login code's user (tests/fakes/wechat.py).
function openidOf(user) {
  return 'o' + require('crypto').createHash('sha1').update(user).digest('hex').slice(0, 27)
}

async function wechatCalls() {
  const res = await exchange(env('SL_WECHAT_BASE') + '/__calls')
  return JSON.parse(res.text)
}

function resetPhone(user) {
  storage.clear()
  Object.assign(stubs, { user, loginCount: 0, scanCode: null, chooseMedia: null, subscribe: null,
    subscribeAsked: [], nav: [], requests: [], progress: [] })
}

module.exports = { configure, openPage, openidOf, resetPhone, simulate, staffApi, storage,
  stubs, tap, text, waitFor, wechatCalls, wx, ROOT }
