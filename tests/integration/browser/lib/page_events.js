'use strict';
// Reads what the test page's EventSource recorded (window.received, see page_server.js).

function receivedEvents(page) {
  return page.evaluate(() => window.received);
}

async function waitForReceived(page, count, timeout = 15000) {
  try {
    await page.waitForFunction((n) => window.received.length >= n, count, { timeout });
  } catch (error) {
    const got = await receivedEvents(page);
    throw new Error(`page received ${got.length} of ${count} events: ${JSON.stringify(got)}`,
                    { cause: error });
  }
  return receivedEvents(page);
}

module.exports = { receivedEvents, waitForReceived };
