// Upload one photo with wx.uploadFile (multipart field "file"), reporting progress 0-100.
const { ApiError, ensureToken, login, url, TOKEN_KEY } = require('./api')

function uploadOnce(filePath, token, onProgress) {
  return new Promise((resolve, reject) => {
    const task = wx.uploadFile({
      url: url('/api/v1/intake/photos'),
      filePath,
      name: 'file',
      header: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      success: (res) => {
        let body = null
        try {
          body = typeof res.data === 'string' ? JSON.parse(res.data) : res.data
        } catch (e) { /* not JSON: a proxy's error page */ }
        resolve({ statusCode: res.statusCode, data: body })
      },
      fail: () => reject(new ApiError(null, 0)),
    })
    if (task && task.onProgressUpdate && onProgress) {
      task.onProgressUpdate((p) => onProgress(p.progress))
    }
  })
}

async function uploadPhoto(filePath, onProgress) {
  let res = await uploadOnce(filePath, await ensureToken(), onProgress)
  if (res.statusCode === 401) {
    wx.removeStorageSync(TOKEN_KEY)
    res = await uploadOnce(filePath, await login(), onProgress)
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data
  throw new ApiError(res.data, res.statusCode)
}

module.exports = { uploadPhoto }
