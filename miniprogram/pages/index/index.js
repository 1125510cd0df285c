// Entry page (the 小程序码's page): a site's scene, an ordinary QR link (q) or a meeting
// code opens that page; without one it is the home page with 扫一扫.
const { entryTarget, fromScan } = require('../../utils/links')
const { largeText } = require('../../utils/large')

Component({
  behaviors: [largeText],
  data: { error: '', target: '' },
  methods: {
    onLoad(options) {
      const target = entryTarget(options)
      this.setData({ target })
      if (target) wx.redirectTo({ url: target })
      else if (options && (options.scene || options.q)) {
        this.setData({ error: '无法识别这个二维码，请扫描议事室张贴的二维码' })
      }
    },
    onScan() {
      wx.scanCode({
        scanType: ['qrCode', 'wxCode'],
        success: (res) => {
          const target = fromScan(res)
          if (target) wx.navigateTo({ url: target })
          else this.setData({ error: '无法识别这个二维码，请扫描议事室张贴的二维码' })
        },
      })
    },
    openMine() { wx.navigateTo({ url: '/pages/mine/index' }) },
    openMessages() { wx.navigateTo({ url: '/pages/messages/index' }) },
  },
})
