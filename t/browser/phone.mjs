// SPDX-License-Identifier: MIT
// phone.mjs - the phone of t/e2e/browser.sh: Debian's Chromium, driven by
// Playwright, showing tether's page
//
//   phone.mjs run PORT DIR URL
//	start Chromium (headless, a fresh profile in DIR) on URL with its
//	DevTools on 127.0.0.1:PORT; log what the page says and does (console,
//	errors, WebSockets) until SIGTERM, then close Chromium
//   phone.mjs wait PORT SELECTOR REGEX [SECONDS]
//	wait (30 s by default) until the visible text of an element that
//	matches SELECTOR matches REGEX; print that text
//   phone.mjs text PORT SELECTOR	print the visible text of the elements
//   phone.mjs add PORT ADDRESS		add a laptop with the page's own form
//   phone.mjs shot PORT FILE		save a screenshot of the page (PNG)
//   phone.mjs stats PORT		print the page's counters (JSON)
//   phone.mjs bare PORT nojs|nows	open the page again in a new tab
//	without JavaScript, or without WebSocket; print what it says
//
// Every command but run attaches to the running Chromium over the DevTools
// protocol and leaves it as it was. Exit status: 0, or 1 with the reason
// on stderr.
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
// Chromium's own connections (updates, sync, ...) would go nowhere in the
// test's namespaces and slow everything down
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu',
	'--disable-quic', '--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--no-proxy-server'];

const log = (...a) => console.log(new Date().toISOString().slice(11, 23),
	...a);

async function run(port, dir, url) {
	const ctx = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM,
		headless: true,
		chromiumSandbox: false,
		args: [...FLAGS, '--remote-debugging-address=127.0.0.1',
			'--remote-debugging-port=' + port],
		viewport: { width: 412, height: 915 },
		isMobile: true,
		hasTouch: true,
		timeout: 60000,
	});
	const page = ctx.pages()[0] || await ctx.newPage();
	page.on('console', (m) => log('console.' + m.type() + ':', m.text()));
	page.on('pageerror', (e) => log('page error:', e.message));
	page.on('requestfailed', (r) => log('request failed:', r.url(),
		r.failure() && r.failure().errorText));
	page.on('websocket', (ws) => {
		log('websocket', ws.url());
		ws.on('socketerror', (e) => log('websocket error', ws.url(), e));
		ws.on('close', () => log('websocket closed', ws.url()));
	});
	let stopping = false;
	const stop = async () => {
		if (stopping)
			return;
		stopping = true;
		log('stopping Chromium');
		await ctx.close().catch(() => {});
		process.exit(0);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
	ctx.on('close', () => {
		if (!stopping) {
			log('Chromium went away');
			process.exit(1);
		}
	});
	log('Chromium', ctx.browser() ? ctx.browser().version() : '',
		'opens', url);
	await page.goto(url, { timeout: 30000 });
	log('page loaded:', await page.title());
}

// The page of the running Chromium, and a way to let go of it
async function attach(port) {
	const browser = await chromium.connectOverCDP('http://127.0.0.1:' + port,
		{ timeout: 20000 });
	const page = browser.contexts().flatMap((c) => c.pages())
		.find((p) => p.url().startsWith('http'));
	if (!page)
		throw new Error('Chromium shows no web page');
	return { browser, page, done: () => browser.close() };
}

// The page's own URL in a browser that lacks something: a tab of a new
// profile without JavaScript, or one where the page finds no WebSocket.
// Neither opens a socket, so the phone's page keeps its connections.
async function bare(browser, url, what) {
	const ctx = await browser.newContext({ javaScriptEnabled: what !== 'nojs' });
	try {
		const tab = await ctx.newPage();
		if (what === 'nows')
			await tab.addInitScript(() => delete window.WebSocket);
		await tab.goto(url, { timeout: 20000 });
		if (what === 'nows')
			await tab.waitForFunction(() => !/Starting/.test(
				document.querySelector('#unsupported').innerText));
		return await tab.innerText('body');
	} finally {
		await ctx.close();
	}
}

async function wait(page, selector, regex, seconds) {
	const found = await page.waitForFunction(([sel, re]) => {
		const r = new RegExp(re);
		for (const el of document.querySelectorAll(sel))
			if (r.test(el.innerText))
				return el.innerText;
		return false;
	}, [selector, regex], { timeout: seconds * 1000, polling: 200 })
		.catch(() => null);
	if (found)
		return found.jsonValue();
	const now = await texts(page, selector);
	throw new Error(`no "${selector}" matched /${regex}/ within ` +
		`${seconds} s; it shows:\n${now || '(nothing)'}`);
}

const texts = (page, selector) => page.$$eval(selector,
	(els) => els.map((e) => e.innerText).join('\n---\n'));

async function main(argv) {
	const [cmd, port, ...args] = argv;
	if (cmd === 'run')
		return run(port, args[0], args[1]);
	const { browser, page, done } = await attach(port);
	try {
		switch (cmd) {
		case 'wait':
			console.log(await wait(page, args[0], args[1],
				Number(args[2] || 30)));
			break;
		case 'text':
			console.log(await texts(page, args[0]));
			break;
		case 'add':
			await page.fill('#address', args[0]);
			await page.click('#add button[type=submit]');
			console.log(await page.innerText('#add-error') ||
				'added');
			break;
		case 'shot':
			await page.screenshot({ path: args[0], fullPage: true });
			console.log('saved ' + args[0]);
			break;
		case 'stats':
			console.log(JSON.stringify(await page.evaluate(
				() => window.tether.links()), null, 1));
			break;
		case 'bare':
			console.log(await bare(browser, page.url(), args[0]));
			break;
		default:
			throw new Error('unknown command ' + cmd);
		}
	} finally {
		await done();
	}
}

main(process.argv.slice(2)).catch((e) => {
	console.error('phone.mjs: ' + e.message);
	process.exit(1);
});
