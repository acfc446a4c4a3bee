// The CLI tests start the built program as child processes. Each test kills what it left running,
// and forceExit is the last guard: once the tests have finished, jest exits whatever still holds
// a handle, instead of holding up the whole CI run.
module.exports = { ...require('../../jest.config.base.cjs'), forceExit: true };
