// My reports, and one report with its answer, timeline and rating: 满意 / 基本满意 /
// 不满意, changeable for 7 days from the first rating (the server keeps the window).
// Subscribe messages open this page with ?no=TRACKING_NO.
const { api, url } = require('../../utils/api')
const { dayTime, errorText, pillClass } = require('../../utils/format')
const { largeText } = require('../../utils/large')

function describe(d) {
  const meta = [`提交于 ${d.created_at}`]
  if (d.phone) meta.push(`联系电话 ${d.phone}`)
  if (d.anonymous) meta.push('对工作人员匿名')
  if (d.support_count) meta.push(`${d.support_count} 人也遇到了`)
  return Object.assign({}, d, {
    pill: pillClass(d.status), meta: meta.join(' · '),
    photos: (d.photos || []).map((p) => ({ url: p.url, thumb: url(p.thumb_url), full: url(p.url) })),
  })
}

Component({
  behaviors: [largeText],
  data: {
    items: [], loaded: false, detail: null, error: '', rated: false, ratedText: '',
    ratedWindow: '', until: '', changing: false, ratingBusy: false, ratingError: '',
  },
  methods: {
    onLoad(options) {
      const no = options && options.no
      this.ready = no ? this.openDetail(no) : this.loadList()
      return this.ready
    },
    async loadList() {
      try {
        const items = await api('/api/v1/intake/my/opinions')
        this.setData({ items: items.map((i) => Object.assign({}, i, { pill: pillClass(i.status) })),
          loaded: true, detail: null, error: '' })
      } catch (err) {
        this.setData({ error: errorText(err) })
      }
    },
    onOpen(e) { this.ready = this.openDetail(e.currentTarget.dataset.no); return this.ready },
    onBack() { this.ready = this.loadList(); return this.ready },
    async openDetail(no) {
      try {
        this.showDetail(await api(`/api/v1/intake/my/opinions/${encodeURIComponent(no)}`))
      } catch (err) {
        this.setData({ error: errorText(err) })
      }
    },
    showDetail(d) {
      const rated = Boolean(d.rated_at && d.rating)
      const until = dayTime(d.rating_changeable_until)
      this.setData({
        detail: describe(d), error: '', rated, until, changing: false, ratingError: '',
        ratedText: rated ? `${d.rating_name}${d.rating_comment ? '：' + d.rating_comment : ''}` : '',
        ratedWindow: !rated ? '' : d.can_rate ? `评价于 ${d.rated_at}，${until}前可以修改` : '评价已确定',
      })
    },
    onChange() { this.setData({ changing: true }) },
    onCancelChange() { this.setData({ changing: false, ratingError: '' }) },
    onRate(e) {
      this.rating = this.rate(e.detail.rating, e.detail.comment)
      return this.rating
    },
    async rate(rating, comment) {
      const no = this.data.detail.tracking_no
      this.setData({ ratingBusy: true, ratingError: '' })
      try {
        this.showDetail(await api(`/api/v1/intake/my/opinions/${encodeURIComponent(no)}/rating`, {
          method: 'POST', data: { rating, comment: comment || null } }))
      } catch (err) {
        this.setData({ ratingError: errorText(err) })
        // Past the 7 days the server says so (rating_fixed): show the rating as it stands.
        if (err.code === 'rating_fixed') await this.openDetail(no)
      } finally {
        this.setData({ ratingBusy: false })
      }
    },
    onPreview(e) { wx.previewImage({ urls: [e.currentTarget.dataset.url] }) },
  },
})
