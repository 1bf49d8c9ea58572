// Drives the real Socket.IO Admin UI (@socket.io/admin-ui 0.5.1's ui/dist, served by the first
// Go node) in headless Chromium (the system's /usr/bin/chromium through playwright-core)
// against a cluster of servers on one Redis: two Go nodes instrumented by package adminui and
// a Node node instrumented by @socket.io/admin-ui (test/adminui_browser_test.go).
//
//   node admin-ui-browser.js <UI URL> <screenshot dir> <password> <name>=<server URL>...
//
// It connects two socket.io-client sockets to each server, then in the UI: a wrong password is
// refused; the right one logs in; the Servers page lists every server; the Sockets page lists
// every socket; disconnecting, from the UI, a socket of each other server than the one the UI is
// connected to disconnects its client. Prints one "ok …" line per check and exits
// non-zero at the first failure.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { io } = require('socket.io-client');

const [uiURL, shots, password, ...servers] = process.argv.slice(2);
if (!uiURL || !shots || !password || servers.length < 2) {
  console.error('usage: node admin-ui-browser.js <UI URL> <screenshot dir> <password> <name>=<server URL>...');
  process.exit(2);
}
const TIMEOUT = 20000;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

function ok(msg) { console.log('ok ' + msg); }

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), TIMEOUT);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

async function shot(page, name) {
  const file = path.join(shots, name);
  await page.screenshot({ path: file });
  console.log('screenshot ' + file);
}

const clients = [];
let profile;
let context;

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const origin = new URL(uiURL).origin;
  const serverURL = new URL(servers[0].split('=')[1]).origin;

  // Two sockets on each server, in a room named after it.
  const byServer = {};
  for (const spec of servers) {
    const [name, url] = spec.split('=');
    byServer[name] = [];
    for (let i = 0; i < 2; i++) {
      const s = io(url, { forceNew: true, reconnection: false, query: { user: `${name}-${i}` } });
      clients.push(s);
      await once(s, 'connect');
      s.emit('join', `room-${name}`);
      await once(s, 'joined');
      byServer[name].push(s);
    }
  }
  const ids = clients.map((s) => s.id);
  ok(`${ids.length} sockets connected to ${Object.keys(byServer).join(', ')}`);

  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gosockio-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 900 }, timeout: 30000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // The page loads its fonts and icons from CDNs: nothing leaves the machine.
  await page.route('**/*', (route) => (route.request().url().startsWith(origin) || route.request().url().startsWith(serverURL)
    ? route.continue() : route.abort()));
  page.on('pageerror', (err) => { console.log(`page error: ${err.message}`); process.exitCode = 1; });
  await page.goto(uiURL);

  // The connection form: server URL, user name, password.
  const dialog = page.locator('.v-dialog--active');
  await dialog.waitFor();
  const login = async (pw) => {
    const text = dialog.locator('input[type=text]');
    await text.nth(0).fill(serverURL);
    await text.nth(1).fill('admin');
    await dialog.locator('input[type=password]').fill(pw);
    await dialog.locator('button[type=submit]').click();
  };
  await login('not-the-password');
  await dialog.getByText('Invalid credentials').waitFor();
  await shot(page, 'admin-ui-invalid-credentials.png');
  ok('a wrong password is refused with "Invalid credentials"');
  await login(password);
  await dialog.waitFor({ state: 'hidden' });
  ok(`logged in to ${serverURL}`);

  // Every server of the cluster reports to the UI.
  await page.goto(uiURL + '#/servers/');
  for (const name of Object.keys(byServer)) {
    await page.locator('table tbody tr', { hasText: name }).first().waitFor();
  }
  await shot(page, 'admin-ui-servers.png');
  ok(`the Servers page lists ${Object.keys(byServer).join(', ')}`);

  // Every socket of the cluster, whichever node it is on.
  await page.goto(uiURL + '#/sockets/');
  for (const id of ids) {
    await page.locator('table tbody tr', { hasText: id }).first().waitFor();
  }
  await shot(page, 'admin-ui-sockets.png');
  ok(`the Sockets page lists the ${ids.length} sockets`);
  await page.goto(uiURL + '#/');
  await page.waitForTimeout(2500); // a statistics round, for the charts
  await shot(page, 'admin-ui-dashboard.png');

  // Disconnecting a socket of another node (each one but the UI's) from the UI disconnects it.
  const names = Object.keys(byServer);
  for (const name of names.slice(1)) {
    const victim = byServer[name][0];
    const vid = victim.id;
    const gone = once(victim, 'disconnect');
    await page.goto(uiURL + `#/n/${encodeURIComponent('/')}/sockets/${vid}`);
    await page.locator('button:has(i.mdi-logout)').last().click();
    const [reason] = await gone;
    if (reason !== 'io server disconnect') throw new Error(`the socket disconnected with "${reason}"`);
    ok(`socket ${vid} of ${name} disconnected from the UI ("${reason}")`);
    await page.goto(uiURL + '#/sockets/');
    await page.waitForFunction((id) => !document.body.innerText.includes(id), vid);
    ok('the Sockets page no longer lists it');
  }
}

main().then(async () => {
  await context.close();
  for (const s of clients) s.close();
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(process.exitCode || 0);
}, async (e) => {
  console.error(e);
  if (context) await context.close().catch(() => {});
  for (const s of clients) s.close();
  process.exit(1);
});
