// A project WeChat's tools accept: app.json's pages exist, every usingComponents path
// resolves, project.config.json carries config.js's appid and keeps test files out.
const fs = require('fs')
const path = require('path')

const ROOT = path.join(__dirname, '..')
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'))
const app = readJson('app.json')
const config = require('../config')

function resolveComponent(fromFile, ref) {
  const base = ref.startsWith('/') ? path.join(ROOT, ref) : path.join(path.dirname(path.join(ROOT, fromFile)), ref)
  return base
}

function jsonFiles() {
  const found = []
  const walk = (dir) => {
    for (const name of fs.readdirSync(path.join(ROOT, dir))) {
      const rel = path.join(dir, name)
      if (fs.statSync(path.join(ROOT, rel)).isDirectory()) walk(rel)
      else if (name.endsWith('.json')) found.push(rel)
    }
  }
  walk('pages')
  walk('components')
  return found
}

test('every page in app.json has its four files', () => {
  expect(app.pages.length).toBeGreaterThan(0)
  expect(app.pages[0]).toBe('pages/index/index') // the 小程序码's page (server: WECHAT_MINIPROGRAM_PAGE)
  for (const page of app.pages) {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) {
      expect([page, fs.existsSync(path.join(ROOT, `${page}.${ext}`))]).toEqual([page, true])
    }
  }
  // Pages the server links to (subscribe messages) exist.
  expect(app.pages).toEqual(expect.arrayContaining(['pages/mine/index', 'pages/meeting/index']))
  expect(fs.existsSync(path.join(ROOT, app.sitemapLocation))).toBe(true)
})

test('every usingComponents path resolves to a component', () => {
  const files = jsonFiles()
  const checked = []
  for (const file of ['app.json'].concat(files)) {
    const json = readJson(file)
    for (const [tag, ref] of Object.entries(json.usingComponents || {})) {
      const base = resolveComponent(file, ref)
      const missing = ['js', 'json', 'wxml'].filter((ext) => !fs.existsSync(`${base}.${ext}`))
      expect([file, tag, ref, missing]).toEqual([file, tag, ref, []])
      expect([file, tag, readJson(path.relative(ROOT, `${base}.json`)).component]).toEqual([file, tag, true])
      checked.push(`${file}:${tag}`)
    }
  }
  expect(checked.length).toBeGreaterThan(5)
  // Every component folder is used somewhere.
  for (const file of files.filter((f) => f.startsWith('components'))) {
    expect(checked.join(' ')).toContain(path.basename(path.dirname(file)))
  }
})

test('the wrong path is caught', () => {
  const base = resolveComponent('pages/site/index.json', '/components/no-such/index')
  expect(fs.existsSync(`${base}.js`)).toBe(false)
})

test('project.config.json has config.js appid and uploads no test tooling', () => {
  const project = readJson('project.config.json')
  expect(project.appid).toBe(config.appid)
  expect(project.compileType).toBe('miniprogram')
  const ignored = project.packOptions.ignore.map((i) => i.value)
  expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'tests', 'tools', 'package.json']))
  expect(config.apiBase).toMatch(/^https:\/\//) // WeChat allows only https legal domains
  expect(Object.keys(config.templates).sort()).toEqual(['accepted', 'answered', 'meeting_published'])
})
