// The browser test starts Chromium and a static server over the built dist/; forceExit is the last
// guard so a stuck browser cannot hold up a CI run.
module.exports = { ...require('../../jest.config.base.cjs'), roots: ['<rootDir>/test'], forceExit: true };
