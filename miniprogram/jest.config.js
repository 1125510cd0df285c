// Tests of the mini-program: miniprogram-simulate renders pages and components in jsdom,
// and their requests go to a real app server (started by tests/miniprogram/test_jest.py).
module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/tests/**/*.test.js'],
  testTimeout: 60000,
}
