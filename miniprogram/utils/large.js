// Large-text mode (适老化): one switch kept in storage, applied by every page.
const LARGE_KEY = 'sl.large'

function isLarge() {
  try {
    return wx.getStorageSync(LARGE_KEY) === '1'
  } catch (e) {
    return false
  }
}

function setLarge(on) {
  wx.setStorageSync(LARGE_KEY, on ? '1' : '0')
}

// Mixed into each page: data.large follows the stored switch (read again whenever the page
// shows, as the switch may have moved on another page); <large-toggle> flips it.
const largeText = Behavior({
  data: { large: false },
  lifetimes: {
    attached() { this.syncLarge() },
  },
  methods: {
    syncLarge() { this.setData({ large: isLarge() }) },
    onShow() { this.syncLarge() },
    onLargeChange(e) { this.setData({ large: e.detail.large }) },
  },
})

module.exports = { isLarge, setLarge, largeText, LARGE_KEY }
