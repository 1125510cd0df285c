// 满意 / 基本满意 / 不满意 with a comment, for an answer to a report or a meeting outcome.
// The page sends it (event "submit" {rating, comment}) and passes back busy/error.
Component({
  properties: {
    title: { type: String, value: '您对答复满意吗？' },
    rating: { type: String, value: '' },
    initialComment: { type: String, value: '' },
    submitText: { type: String, value: '提交评价' },
    cancelable: { type: Boolean, value: false },
    redoNote: { type: String, value: '' },
    busy: { type: Boolean, value: false },
    error: { type: String, value: '' },
  },
  data: {
    choices: [
      { value: 'satisfied', name: '满意' },
      { value: 'basically', name: '基本满意' },
      { value: 'unsatisfied', name: '不满意' },
    ],
    picked: '',
    comment: '',
  },
  observers: {
    rating(value) { this.setData({ picked: value || '' }) },
    initialComment(value) { this.setData({ comment: value || '' }) },
  },
  methods: {
    onPick(e) { this.setData({ picked: e.currentTarget.dataset.value, error: '' }) },
    onComment(e) { this.setData({ comment: e.detail.value }) },
    onSubmit() {
      if (!this.data.picked) {
        this.setData({ error: '请先选择满意、基本满意或不满意' })
        return
      }
      this.triggerEvent('submit', { rating: this.data.picked, comment: this.data.comment.trim() })
    },
    onCancel() { this.triggerEvent('cancel') },
  },
})
