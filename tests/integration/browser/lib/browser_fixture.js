'use strict';
// What the tests of one Chromium test file share: a headless Chromium and the page server,
// started before its first test and closed after its last. Call at the file's top level.
const { before, after } = require('node:test');

const { launchChromium } = require('./chromium');
const { startPageServer } = require('./page_server');

function useBrowserAndPageServer() {
  const fixture = { browser: null, pageServer: null };
  before(async () => {
    fixture.browser = await launchChromium();
    fixture.pageServer = await startPageServer();
  });
  after(async () => {
    if (fixture.browser) await fixture.browser.close();
    if (fixture.pageServer) await fixture.pageServer.close();
  });
  return fixture;
}

module.exports = { useBrowserAndPageServer };
