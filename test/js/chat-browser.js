// Drives the chat demo page in headless Chromium (the system's /usr/bin/chromium through
// playwright-core), as two users in two browsers whose requests a load balancer sends to two
// different nodes: alice (cookie gosockio_node=<node-a>) and bob (<node-b>).
//
//   node chat-browser.js <url> <node-a> <node-b> <screenshot-dir> [pid-of-node-b [recovery]]
//
// With the pid of node-b, it also stops that node (SIGTERM) and checks that bob's page fails
// over to another node through the load balancer. With "recovery" (the nodes run the streams
// adapter with connection-state recovery), alice writes while bob's page is disconnected, and
// bob's page must come back with its session recovered and that message delivered, once. Prints one "ok …" line per check and exits
// non-zero at the first failure.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [url, nodeA, nodeB, shots, pidB, mode] = process.argv.slice(2);
const recovery = mode === 'recovery';
if (!url || !nodeA || !nodeB || !shots) {
  console.error('usage: node chat-browser.js <url> <node-a> <node-b> <screenshot-dir>');
  process.exit(2);
}
const TIMEOUT = 15000;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

const profiles = [];
const contexts = [];

function ok(msg) { console.log('ok ' + msg); }

// browser opens the page in a browser of its own (fresh profile) whose requests carry the
// load balancer's cookie for node.
async function browser(user, node) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gosockio-chromium-'));
  profiles.push(dir);
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 760 },
    timeout: 30000,
  });
  contexts.push(ctx);
  await ctx.addCookies([{ name: 'gosockio_node', value: node, url }]);
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (err) => { console.log(`[${user}] page error: ${err.message}`); process.exitCode = 1; });
  page.on('console', (m) => { if (m.type() === 'error') console.log(`[${user}] console: ${m.text()}`); });
  await page.goto(url);
  return page;
}

async function text(page, selector, expected) {
  await page.waitForFunction(([sel, want]) => {
    const el = document.querySelector(sel);
    return el && el.textContent.includes(want);
  }, [selector, expected]);
}

async function message(page, kind, expected) {
  await page.locator(`#messages .${kind}`, { hasText: expected }).first().waitFor();
}

async function userEntry(page, name, attrs) {
  await page.waitForFunction(([n, a]) => {
    const li = document.querySelector(`#users li[data-name="${n}"]`);
    return li && Object.entries(a).every(([k, v]) => li.dataset[k] === v);
  }, [name, attrs]);
}

async function login(page, name) {
  await page.fill('#name', name);
  await page.click('#login-form button');
}

async function send(page, msg) {
  await page.fill('#message', msg);
  await page.press('#message', 'Enter');
}

async function shot(page, name) {
  const file = path.join(shots, name);
  await page.screenshot({ path: file });
  console.log('screenshot ' + file);
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const alice = await browser('alice', nodeA);
  const bob = await browser('bob', nodeB);

  // Each browser reached the node its cookie names, through the load balancer.
  await text(alice, '#node', nodeA);
  await text(bob, '#node', nodeB);
  ok(`alice's page is connected to ${nodeA}, bob's to ${nodeB}`);

  // The client starts with HTTP long-polling and upgrades to WebSocket.
  for (const [who, page] of [['alice', alice], ['bob', bob]]) {
    await page.waitForFunction(() => window.chatState.transports.includes('websocket'));
    const t = await page.evaluate(() => window.chatState.transports);
    if (t[0] !== 'polling') throw new Error(`${who}'s first transport is ${t[0]}, want polling (${t})`);
  }
  ok('both pages started with polling and upgraded to websocket');

  // A name taken on another node is refused.
  await login(alice, 'alice');
  await alice.locator('#chat').waitFor();
  await login(bob, 'Alice');
  await text(bob, '#login-error', 'taken');
  await shot(bob, 'chat-name-taken.png');
  ok(`"Alice" refused on ${nodeB} while alice is logged in on ${nodeA}`);
  await login(bob, 'bob');
  await bob.locator('#chat').waitFor();

  // The user list comes from every node.
  await userEntry(alice, 'bob', { node: nodeB, rooms: 'general' });
  await userEntry(bob, 'alice', { node: nodeA, rooms: 'general' });
  ok('each user list shows the other user and the node they are on');

  // Messages cross nodes.
  await message(alice, 'notice', 'bob joined #general');
  await send(alice, `hello from ${nodeA}`);
  await message(bob, 'msg', `hello from ${nodeA}`);
  await send(bob, `hello from ${nodeB}`);
  await message(alice, 'msg', `hello from ${nodeB}`);
  ok('messages in #general cross nodes both ways');

  // Room membership crosses nodes: join notices, the user list, messages to the room only.
  await alice.fill('#room-name', 'gophers');
  await alice.press('#room-name', 'Enter');
  await text(alice, '#room-title', '#gophers');
  await bob.fill('#room-name', 'gophers');
  await bob.press('#room-name', 'Enter');
  await text(bob, '#room-title', '#gophers');
  await message(alice, 'notice', 'bob joined #gophers');
  await userEntry(alice, 'bob', { rooms: 'general gophers' });
  await userEntry(bob, 'alice', { rooms: 'general gophers' });
  ok('joining #gophers on one node is seen on the other (notice, user list)');

  await bob.type('#message', 'typing…', { delay: 20 });
  await text(alice, '#typing', 'bob is typing');
  ok('the typing indicator crosses nodes');
  await send(bob, 'hi gophers');
  await message(alice, 'msg', 'hi gophers');
  await send(alice, 'welcome, bob');
  await message(bob, 'msg', 'welcome, bob');
  await alice.waitForFunction(() => document.querySelector('#typing').textContent === ''); // bob sent
  ok('messages in #gophers cross nodes');
  await shot(alice, 'chat-alice-gophers.png');

  await bob.click('#leave');
  await text(bob, '#room-title', '#general');
  await message(alice, 'notice', 'bob left #gophers');
  await userEntry(alice, 'bob', { rooms: 'general' });
  await send(alice, 'gophers only');
  await message(alice, 'msg', 'gophers only');
  await alice.click('#rooms li[data-room="general"]');
  await send(alice, 'back in general');
  await message(bob, 'msg', 'back in general');
  const leaked = await bob.evaluate(() => window.chatState.received.map((m) => m.text));
  if (leaked.includes('gophers only')) throw new Error('bob received a #gophers message after leaving it');
  ok('after leaving #gophers bob gets #general messages but not #gophers ones');
  await shot(bob, 'chat-bob-general.png');

  if (pidB) {
    // node-b shuts down gracefully: bob's page reconnects through the load balancer (the
    // cookie's node is gone, so nginx picks a backup), gets a new session on another node and
    // logs in again as bob, with his rooms.
    process.kill(Number(pidB), 'SIGTERM');
    if (recovery) {
      // Written while bob's page is away: it must reach him when his session is recovered.
      await bob.waitForFunction(() => document.querySelector('#status').dataset.state === 'disconnected', null, { timeout: 30000 });
      await send(alice, 'said while bob was away');
    }
    await bob.waitForFunction((old) => {
      const n = document.querySelector('#node').textContent;
      return n !== old && n !== '?' && document.querySelector('#status').dataset.state === 'connected';
    }, nodeB, { timeout: 30000 });
    const newNode = await bob.textContent('#node');
    await bob.waitForFunction(() => window.chatState.me === 'bob' && !document.querySelector('#chat').hidden);
    await userEntry(alice, 'bob', { node: newNode, rooms: 'general' });
    if (recovery) {
      const rec = await bob.evaluate(() => window.chatState.recovered);
      if (rec[rec.length - 1] !== true) throw new Error(`bob's page reconnected without its session (recovered: ${rec})`);
      await message(bob, 'msg', 'said while bob was away');
      const n = await bob.evaluate(() => window.chatState.received.filter((m) => m.text === 'said while bob was away').length);
      if (n !== 1) throw new Error(`bob got the message said while he was away ${n} times`);
      await text(bob, '#status-text', 'session recovered');
      ok('bob\'s session was recovered on the other node, with the message said while he was away, once');
    }
    await send(alice, 'still there, bob?');
    await message(bob, 'msg', 'still there, bob?');
    ok(`after ${nodeB} stopped, bob's page reconnected through nginx to ${newNode}, still logged in as bob`);
    await shot(bob, 'chat-bob-after-failover.png');
  }

  // Leaving the chat is seen on the other node.
  await contexts[1].close();
  await message(alice, 'notice', 'bob left');
  await alice.waitForFunction(() => !document.querySelector('#users li[data-name="bob"]'));
  ok('bob closing his browser removes him from alice\'s user list');
  await shot(alice, 'chat-alice-after-bob-left.png');
}

main().then(
  () => { console.log('done'); },
  (err) => { console.log('FAIL ' + (err && err.stack || err)); process.exitCode = 1; },
).finally(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  for (const d of profiles) fs.rmSync(d, { recursive: true, force: true });
});
