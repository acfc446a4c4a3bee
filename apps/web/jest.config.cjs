// The browser test starts Chromium and a local server; each test closes what it started, and
// forceExit is the last guard so a stuck browser cannot hold up the whole CI run.
module.exports = { ...require('../../jest.config.base.cjs'), forceExit: true };
