// Report a problem: category, text, photos (wx.chooseMedia, uploaded with progress), the
// similar-report hint with 我也遇到了, then the tracking number. Subscribe messages are
// asked in the same tap as the submission (WeChat shows that dialog only from a tap).
const { api, url } = require('../../utils/api')
const { errorText } = require('../../utils/format')
const { largeText } = require('../../utils/large')
const { askConsent, recordConsent } = require('../../utils/subscribe')
const { uploadPhoto } = require('../../utils/upload')

const SIMILAR_DELAY_MS = 700

function newKey() {
  let hex = ''
  for (let i = 0; i < 32; i++) hex += Math.floor(Math.random() * 16).toString(16)
  return 'mp-' + hex
}

Component({
  behaviors: [largeText],
  data: {
    code: '', siteName: '', categories: [], photosMax: 6, category: null, text: '',
    similar: [], photos: [], uploads: [], photoStatus: '', phone: '', anonymous: false, consent: false,
    error: '', busy: false, receipt: null, subscribedText: '',
  },
  methods: {
    onLoad(options) {
      this.setData({ code: (options && options.code) || '' })
      this.key = newKey()
      this.ready = this.load()
      return this.ready
    },
    onUnload() { clearTimeout(this.similarTimer) },
    async load() {
      try {
        const data = await api(`/api/v1/intake/sites/${encodeURIComponent(this.data.code)}/overview`)
        this.setData({ siteName: data.site.name, categories: data.categories,
          photosMax: data.limits.photos_max })
      } catch (err) {
        this.setData({ error: errorText(err) })
      }
    },
    onCategory(e) {
      this.setData({ category: Number(e.currentTarget.dataset.id), error: '' })
      this.scheduleSimilar(0)
    },
    onText(e) {
      this.setData({ text: e.detail.value })
      this.scheduleSimilar(SIMILAR_DELAY_MS)
    },
    onPhone(e) { this.setData({ phone: e.detail.value }) },
    onAnonymous(e) { this.setData({ anonymous: Boolean(e.detail.value) }) },
    onConsent(e) { this.setData({ consent: Boolean(e.detail.value) }) },
    scheduleSimilar(delay) {
      clearTimeout(this.similarTimer)
      this.similarTimer = setTimeout(() => { this.similarDone = this.findSimilar() }, delay)
    },
    async findSimilar() {
      const text = this.data.text.trim()
      if (text.length < 4 || text === this.similarText) return
      this.similarText = text
      try {
        const items = await api('/api/v1/intake/similar', { method: 'POST',
          data: { site_code: this.data.code, text, category_id: this.data.category } })
        this.setData({ similar: items.filter((i) => !i.mine) })
      } catch (e) { /* suggestions are optional */ }
    },
    async onSupport(e) {
      const no = e.currentTarget.dataset.no
      const index = this.data.similar.findIndex((s) => s.tracking_no === no)
      try {
        const res = await api(`/api/v1/intake/opinions/${encodeURIComponent(no)}/support`, { method: 'POST' })
        this.setData({ [`similar[${index}].supported`]: true,
          [`similar[${index}].support_count`]: res.support_count })
      } catch (err) {
        this.setData({ error: errorText(err) })
      }
    },
    onAddPhotos() {
      const room = this.data.photosMax - this.data.photos.length - this.data.uploads.length
      if (room <= 0) return
      wx.chooseMedia({
        count: room,
        mediaType: ['image'],
        sourceType: ['album', 'camera'],
        sizeType: ['compressed'],
        success: (res) => { this.uploading = this.uploadAll(res.tempFiles.map((f) => f.tempFilePath)) },
      })
    },
    async uploadAll(paths) {
      this.setData({ uploads: this.data.uploads.concat(paths.map((path) => ({ path, progress: 0 }))),
        photoStatus: '正在上传照片……' })
      for (const path of paths) {
        const progress = (value) => {
          const i = this.data.uploads.findIndex((u) => u.path === path)
          if (i >= 0) this.setData({ [`uploads[${i}].progress`]: value })
        }
        try {
          const photo = await uploadPhoto(path, progress)
          this.setData({ photos: this.data.photos.concat([{ id: photo.id,
            thumb: url(photo.thumb_url) }]) })
        } catch (err) {
          this.setData({ photoStatus: errorText(err) })
        }
        this.setData({ uploads: this.data.uploads.filter((u) => u.path !== path) })
      }
      if (!this.data.uploads.length && this.data.photos.length) {
        this.setData({ photoStatus: `已添加 ${this.data.photos.length} / ${this.data.photosMax} 张` })
      }
    },
    onRemovePhoto(e) {
      const id = Number(e.currentTarget.dataset.id)
      this.setData({ photos: this.data.photos.filter((p) => p.id !== id) })
    },
    onSubmit() {
      const text = this.data.text.trim()
      if (!this.data.category) return this.setData({ error: '请先选择问题类别' })
      if (!text) return this.setData({ error: '请写下您要反映的问题' })
      if (this.data.busy) return undefined
      this.submitted = this.submit(text, askConsent('report'))
      return this.submitted
    },
    async submit(text, consent) {
      this.setData({ busy: true, error: '' })
      const results = await consent
      try {
        const receipt = await api('/api/v1/intake/opinions', {
          method: 'POST', header: { 'Idempotency-Key': this.key },
          data: { site_code: this.data.code, category_id: this.data.category, text,
            photo_ids: this.data.photos.map((p) => p.id), phone: this.data.phone.trim() || null,
            anonymous: this.data.anonymous, consent: this.data.consent },
        })
        this.key = newKey()
        this.setData({ receipt })
      } catch (err) {
        const first = [].concat(...Object.values(err.errors || {})).find((m) => typeof m === 'string')
        this.setData({ error: first && err.status === 422 ? `${err.message}：${first}` : errorText(err) })
      } finally {
        this.setData({ busy: false })
      }
      const subs = await recordConsent(results)
      const on = (subs || []).filter((s) => s.credits > 0 && (s.event === 'accepted' || s.event === 'answered'))
      this.setData({ subscribedText: on.length ? `${on.map((s) => s.event_name).join('、')}时会给您发微信提醒。` : '' })
    },
    openReceipt() {
      wx.redirectTo({ url: `/pages/mine/index?no=${encodeURIComponent(this.data.receipt.tracking_no)}` })
    },
  },
})
