// The server's API over wx.request, the same endpoints as the H5 pages. Signs in with
// wx.login -> POST /api/v1/auth/wechat, keeps the resident token in storage and signs in
// again once when the server answers 401.
const config = require('../config')

const TOKEN_KEY = 'sl.token'
const NETWORK_MESSAGE = '网络不太好，请稍后再试'

class ApiError extends Error {
  constructor(body, status) {
    super((body && body.message) || NETWORK_MESSAGE)
    this.code = (body && body.code) || (status ? 'http_' + status : 'network')
    this.status = status
    this.errors = (body && body.errors) || {}
  }
}

function url(path) {
  return /^https?:/.test(path) ? path : config.apiBase.replace(/\/$/, '') + path
}

function send(path, { method = 'GET', data, header = {}, token } = {}) {
  return new Promise((resolve, reject) => {
    const h = Object.assign({ Accept: 'application/json' }, header)
    if (token) h.Authorization = `Bearer ${token}`
    if (data !== undefined) h['Content-Type'] = 'application/json'
    wx.request({
      url: url(path),
      method,
      data,
      header: h,
      dataType: 'json',
      success: (res) => resolve(res),
      fail: () => reject(new ApiError(null, 0)),
    })
  })
}

function storedToken() {
  try {
    return wx.getStorageSync(TOKEN_KEY) || ''
  } catch (e) {
    return ''
  }
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new ApiError({ message: '微信登录失败，请稍后再试' }, 0))),
      fail: () => reject(new ApiError({ message: '微信登录失败，请稍后再试' }, 0)),
    })
  })
}

let pendingLogin = null

// Sign in through WeChat (one at a time however many requests ask) and store the token.
function login() {
  if (!pendingLogin) {
    pendingLogin = (async () => {
      const code = await wxLogin()
      const res = await send('/api/v1/auth/wechat', { method: 'POST', data: { code } })
      if (res.statusCode !== 200) throw new ApiError(res.data, res.statusCode)
      wx.setStorageSync(TOKEN_KEY, res.data.token)
      return res.data.token
    })()
    pendingLogin.then(() => { pendingLogin = null }, () => { pendingLogin = null })
  }
  return pendingLogin
}

async function ensureToken() {
  return storedToken() || login()
}

function ok(res) {
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data
  throw new ApiError(typeof res.data === 'object' ? res.data : null, res.statusCode)
}

// Call the API as the resident; a 401 (token expired or forged) signs in again once.
async function api(path, options = {}) {
  let token = await ensureToken()
  let res = await send(path, Object.assign({}, options, { token }))
  if (res.statusCode === 401) {
    wx.removeStorageSync(TOKEN_KEY)
    token = await login()
    res = await send(path, Object.assign({}, options, { token }))
  }
  return ok(res)
}

module.exports = { api, ApiError, ensureToken, login, url, TOKEN_KEY, NETWORK_MESSAGE }
