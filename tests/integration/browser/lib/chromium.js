'use strict';
// Debian's Chromium, headless, driven by playwright-core (which downloads no browser itself).
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.SSEGW_CHROMIUM || '/usr/bin/chromium';

function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60000,
  });
}

module.exports = { launchChromium };
