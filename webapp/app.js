/* SPDX-License-Identifier: MIT */
/* app.js - the phone's page: pipes each laptop's messages to its server
 *
 * For every laptop the page holds a link: one WebSocket to the laptop
 * (ws://ADDRESS/websocket) and one to the server the laptop names in its
 * tether.json. Every message from one is sent unchanged on the other; they
 * are ciphertext, the page never looks inside. Each socket reconnects on
 * its own, with exponential backoff and jitter from 1 s to 30 s, and at
 * once when the page comes back in front or the phone comes back online.
 *
 * A browser cannot pause a WebSocket's input, so when the socket a message
 * must go out on already holds MAX_BUFFERED bytes, the message is dropped
 * and counted (IP tolerates loss; an unbounded queue would kill the tab).
 * While a socket is still connecting, what must go out on it waits, up to
 * HOLD_BYTES: the laptop usually answers first, and its first handshake
 * would otherwise be lost and retried only 5 s later.
 * Both ends of the tunnel send keepalives every 10 s, so a socket that has
 * carried the tunnel and then hears nothing for SILENT_MS is dead (the
 * phone moved to another network) and is replaced.
 *
 * A page that finds tether.json beside itself was served by a laptop: that
 * laptop is its first link. Otherwise (served by the server) the first link
 * is the fixed laptop address, and the server is where the page came from.
 * Other laptops' addresses are kept in localStorage.
 */
'use strict';

const PORT = 6354;
const DEFAULT_LAPTOP = '169.254.134.89:' + PORT;
const WS_PATH = '/websocket';
const INFO_PATH = '/tether.json';
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30000;
const CONNECT_TIMEOUT_MS = 15000;
const INFO_TIMEOUT_MS = 5000;
const SILENT_MS = 40000;
const STABLE_MS = 10000; /* open this long: the backoff starts over */
const MAX_BUFFERED = 1 << 20;
const HOLD_BYTES = 256 * 1024; /* waiting for a socket that connects */
const STORE_KEY = 'tether.laptops';

const $ = (id) => document.getElementById(id);
const now = () => Date.now();
const links = [];
const started = now();
let fallbackServer = null; /* the server's URL when no laptop says it */
let wakeLock = null;

/* --- formatting ----------------------------------------------------- */

function fmtDuration(ms) {
	const s = Math.max(0, Math.round(ms / 1000));
	if (s < 60)
		return s + ' s';
	if (s < 3600)
		return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
	return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) +
		' min';
}

function fmtRate(bytesPerSec) {
	const bits = bytesPerSec * 8;
	if (bits >= 1e6)
		return (bits / 1e6).toFixed(1) + ' Mbit/s';
	if (bits >= 1e3)
		return Math.round(bits / 1e3) + ' kbit/s';
	return Math.round(bits) + ' bit/s';
}

const fmtCount = (n) => n.toLocaleString('en-US');

/* Why a socket closed, in words (browsers hide the network's reasons) */
function closeReason(ev, wasOpen) {
	const known = {
		1000: 'closed by the other end',
		1001: 'the other end went away',
		1008: 'refused (policy)',
		1009: 'refused: message too big',
		1011: 'the other end failed',
		1015: 'TLS handshake failed',
	};
	let why = known[ev.code] ||
		(wasOpen ? 'connection lost' : 'could not connect');
	why += ' (code ' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')';
	return why;
}

/* --- one WebSocket, reconnecting ------------------------------------ */

class Side {
	constructor(link, name) {
		this.link = link;
		this.name = name; /* "laptop" or "server" */
		this.ws = null;
		this.state = 'connecting'; /* open, down, stopped */
		this.downSince = 0; /* when it was lost, or first failed */
		this.cause = ''; /* why, then */
		this.why = ''; /* why the last attempt failed */
		this.backoff = BACKOFF_MIN_MS;
		this.timer = 0;
		this.retryAt = 0;
		this.openedAt = 0;
		this.lastHeard = 0;
		this.heard = false; /* carried the tunnel since it opened */
		this.relayed = 0; /* messages sent on it */
		this.dropped = 0; /* messages that should have been */
		this.bytes = 0; /* bytes sent on it */
		this.held = []; /* messages waiting for it to open */
		this.heldBytes = 0;
	}

	async connect() {
		clearTimeout(this.timer);
		if (this.ws || this.state === 'stopped')
			return;
		this.state = 'connecting';
		this.link.changed();
		let url;
		try {
			url = await this.link.urlOf(this);
		} catch (e) {
			this.down(e.message);
			return;
		}
		if (this.state !== 'connecting')
			return;
		let ws;
		try {
			ws = new WebSocket(url);
		} catch (e) {
			this.down('bad address ' + url);
			return;
		}
		ws.binaryType = 'arraybuffer';
		this.ws = ws;
		this.url = url;
		const timeout = setTimeout(() => this.drop('no answer within ' +
			fmtDuration(CONNECT_TIMEOUT_MS)), CONNECT_TIMEOUT_MS);
		ws.onopen = () => {
			clearTimeout(timeout);
			this.state = 'open';
			this.openedAt = this.lastHeard = now();
			this.heard = false;
			this.downSince = 0;
			this.cause = this.why = '';
			const held = this.held;
			this.held = [];
			this.heldBytes = 0;
			for (const data of held)
				this.send(data);
			this.link.changed();
		};
		ws.onmessage = (ev) => {
			this.lastHeard = now();
			this.heard = true;
			this.link.forward(this, ev.data);
		};
		ws.onclose = (ev) => {
			clearTimeout(timeout);
			this.ws = null;
			this.down(closeReason(ev, this.state === 'open'));
		};
	}

	/* Give up on the socket now, without waiting for a close handshake */
	drop(why) {
		const ws = this.ws;
		if (!ws)
			return;
		ws.onopen = ws.onmessage = ws.onclose = null;
		ws.close();
		this.ws = null;
		this.down(why);
	}

	/* The socket is gone: retry after the backoff, which starts over
	 * only after a socket that lasted (two pages taking turns on one
	 * laptop back off rather than spin) */
	down(why) {
		if (this.state === 'stopped')
			return;
		this.dropped += this.held.length;
		this.held = [];
		this.heldBytes = 0;
		if (this.openedAt && now() - this.openedAt > STABLE_MS)
			this.backoff = BACKOFF_MIN_MS;
		this.openedAt = 0;
		const wait = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS,
			this.backoff * (0.75 + Math.random() / 2)));
		this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2);
		this.state = 'down';
		if (!this.downSince) {
			this.downSince = now();
			this.cause = why;
		}
		this.why = why;
		this.retryAt = now() + wait;
		this.timer = setTimeout(() => this.connect(), wait);
		this.link.changed();
	}

	/* A socket that carried the tunnel and went silent is dead */
	watch() {
		const quiet = now() - this.lastHeard;
		if (this.state === 'open' && this.heard && quiet > SILENT_MS)
			this.drop('silent for ' + fmtDuration(quiet));
	}

	/* Conditions changed (online, in front again): try at once */
	retryNow() {
		this.watch();
		if (this.state !== 'down')
			return;
		this.backoff = BACKOFF_MIN_MS;
		this.connect();
	}

	stop() {
		this.drop('stopped');
		clearTimeout(this.timer);
		this.state = 'stopped';
	}

	send(data) {
		if (this.state === 'connecting' &&
		    this.heldBytes + data.byteLength <= HOLD_BYTES) {
			this.held.push(data);
			this.heldBytes += data.byteLength;
			return true;
		}
		if (this.state !== 'open') {
			this.dropped++;
			return false;
		}
		if (this.ws.bufferedAmount > MAX_BUFFERED) {
			this.dropped++;
			return false;
		}
		this.ws.send(data);
		this.relayed++;
		this.bytes += data.byteLength;
		return true;
	}
}

/* --- one laptop: its pair of sockets -------------------------------- */

async function fetchInfo(address) {
	const ctl = new AbortController();
	const timer = setTimeout(() => ctl.abort(), INFO_TIMEOUT_MS);
	try {
		const r = await fetch('http://' + address + INFO_PATH,
			{ cache: 'no-store', signal: ctl.signal });
		if (!r.ok)
			throw new Error('HTTP ' + r.status);
		const info = await r.json();
		if (typeof info.server_url !== 'string')
			throw new Error('no server_url');
		return info;
	} finally {
		clearTimeout(timer);
	}
}

class Link {
	constructor(address, primary) {
		this.address = address;
		this.primary = primary;
		this.serverUrl = null;
		this.laptop = new Side(this, 'laptop');
		this.server = new Side(this, 'server');
		this.rate = { up: 0, down: 0 };
		this.last = { up: 0, down: 0, at: now() };
		this.el = this.build();
	}

	build() {
		const el = $('link-template').content.firstElementChild
			.cloneNode(true);
		el.querySelector('.laptop-name').textContent =
			'Laptop ' + this.address;
		const rm = el.querySelector('.remove');
		if (this.primary)
			rm.remove();
		else
			rm.onclick = () => removeLink(this);
		$('links').appendChild(el);
		return el;
	}

	start() {
		this.laptop.connect();
		this.server.connect();
	}

	stop() {
		this.laptop.stop();
		this.server.stop();
		this.el.remove();
	}

	/* Where a side connects; the laptop names its server each time */
	async urlOf(side) {
		if (side === this.laptop)
			return 'ws://' + this.address + WS_PATH;
		try {
			this.serverUrl = (await fetchInfo(this.address)).server_url;
		} catch (e) {
			this.serverUrl = this.serverUrl || fallbackServer;
			if (!this.serverUrl)
				throw new Error('the laptop did not say where its ' +
					'server is (' + e.message + ')');
		}
		return this.serverUrl;
	}

	forward(from, data) {
		(from === this.laptop ? this.server : this.laptop).send(data);
	}

	changed() {
		render();
	}

	/* once a second: rates over the last second */
	tick() {
		const t = now(), dt = Math.max(1, t - this.last.at) / 1000;
		this.rate.up = (this.server.bytes - this.last.up) / dt;
		this.rate.down = (this.laptop.bytes - this.last.down) / dt;
		this.last = { up: this.server.bytes, down: this.laptop.bytes,
			at: t };
		this.laptop.watch();
		this.server.watch();
	}

	relaying() {
		return this.laptop.state === 'open' && this.server.state === 'open';
	}
}

/* --- what the page shows -------------------------------------------- */

/* "down for 12 s: connection lost (code 1006); last try: ..." */
function downText(side) {
	if (!side.downSince)
		return '';
	let t = 'down for ' + fmtDuration(now() - side.downSince) + ': ' +
		side.cause;
	if (side.why !== side.cause)
		t += '; last try: ' + side.why;
	return t;
}

function renderSide(el, side) {
	const state = el.querySelector('.state');
	const detail = el.querySelector('.detail');
	el.dataset.state = side.state;
	switch (side.state) {
	case 'open':
		state.textContent = 'connected';
		detail.textContent = 'for ' + fmtDuration(now() - side.openedAt);
		break;
	case 'connecting':
		state.textContent = 'connecting\u2026';
		detail.textContent = downText(side);
		break;
	case 'down':
		state.textContent = 'down';
		detail.textContent = downText(side) + '; retrying in ' +
			fmtDuration(Math.max(0, side.retryAt - now()));
		break;
	default:
		state.textContent = side.state;
		detail.textContent = '';
	}
}

function renderLink(l) {
	const q = (sel) => l.el.querySelector(sel);
	renderSide(q('[data-side="laptop"]'), l.laptop);
	renderSide(q('[data-side="server"]'), l.server);
	const since = Math.max(l.laptop.openedAt, l.server.openedAt);
	l.el.dataset.relaying = l.relaying() ? 'yes' : 'no';
	q('.relaying').textContent = l.relaying()
		? 'Relaying for ' + fmtDuration(now() - since)
		: 'Not relaying';
	q('.up-rate').textContent = fmtRate(l.rate.up);
	q('.down-rate').textContent = fmtRate(l.rate.down);
	q('.relayed').textContent = fmtCount(l.server.relayed) + ' up, ' +
		fmtCount(l.laptop.relayed) + ' down';
	q('.dropped').textContent = fmtCount(l.server.dropped) + ' up, ' +
		fmtCount(l.laptop.dropped) + ' down';
}

function render() {
	links.forEach(renderLink);
	const up = links.filter((l) => l.relaying()).length;
	const summary = $('summary');
	if (!up)
		summary.textContent = 'Not relaying';
	else if (up === links.length)
		summary.textContent = 'Relaying for ' + up +
			(up === 1 ? ' laptop' : ' laptops');
	else
		summary.textContent = 'Relaying for ' + up + ' of ' +
			links.length + ' laptops';
	summary.dataset.ok = up === links.length ? 'yes' : 'no';
	$('offline').hidden = navigator.onLine !== false;
	$('footer').textContent = 'Page open for ' +
		fmtDuration(now() - started) + '. The traffic is encrypted ' +
		'end to end; this page only passes it on.';
}

/* --- screen wake lock ----------------------------------------------- */

async function keepAwake() {
	const el = $('wakelock');
	if (!('wakeLock' in navigator)) {
		el.textContent = 'This browser does not let the page keep the ' +
			'screen on (it allows that to https pages only): set the ' +
			'screen timeout to its longest while tethering.';
		return;
	}
	if (wakeLock || document.visibilityState !== 'visible')
		return;
	try {
		wakeLock = await navigator.wakeLock.request('screen');
		el.textContent = 'The screen stays on while this page is in front.';
		wakeLock.addEventListener('release', () => {
			wakeLock = null;
		});
	} catch (e) {
		el.textContent = 'The screen may sleep (' + e.message + '): ' +
			'set the screen timeout to its longest while tethering.';
	}
}

/* --- the list of laptops -------------------------------------------- */

function stored() {
	try {
		const v = JSON.parse(localStorage.getItem(STORE_KEY) || '[]');
		return Array.isArray(v) ? v.filter((a) => typeof a === 'string')
			: [];
	} catch (e) {
		return [];
	}
}

function store() {
	try {
		localStorage.setItem(STORE_KEY, JSON.stringify(links
			.filter((l) => !l.primary).map((l) => l.address)));
	} catch (e) {
		/* private browsing: the list lasts as long as the page */
	}
}

/* "169.254.1.3", "169.254.1.3:6354", "http://169.254.1.3/" -> host:port */
function normalize(text) {
	const s = text.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
	let u;
	if (!s)
		throw new Error('Type the laptop\'s address, e.g. 169.254.134.90');
	try {
		u = new URL('http://' + s);
	} catch (e) {
		throw new Error('Not an address: ' + text);
	}
	if (u.username || u.password)
		throw new Error('Not an address: ' + text);
	return u.hostname + ':' + (u.port || PORT);
}

function addLink(address, primary) {
	if (links.some((l) => l.address === address))
		return null;
	const l = new Link(address, primary);
	links.push(l);
	l.start();
	return l;
}

function removeLink(l) {
	links.splice(links.indexOf(l), 1);
	l.stop();
	store();
	render();
}

function onAdd(ev) {
	ev.preventDefault();
	const input = $('address');
	let address;
	try {
		address = normalize(input.value);
	} catch (e) {
		$('add-error').textContent = e.message;
		return;
	}
	$('add-error').textContent = addLink(address, false)
		? '' : address + ' is already in the list';
	input.value = '';
	store();
	render();
}

function retryAll() {
	for (const l of links) {
		l.laptop.retryNow();
		l.server.retryNow();
	}
	render();
}

/* Served by a laptop (it answers tether.json here) or by the server? */
async function firstLaptop() {
	if (location.protocol === 'http:') {
		try {
			await fetchInfo(location.host);
			return location.host;
		} catch (e) {
			/* not a laptop */
		}
	}
	fallbackServer = (location.protocol === 'https:' ? 'wss://' : 'ws://') +
		location.host + WS_PATH + '/';
	return DEFAULT_LAPTOP;
}

async function main() {
	if (!window.WebSocket || !window.ArrayBuffer || !window.fetch) {
		$('unsupported').textContent = 'This browser has no WebSocket ' +
			'support: open the page in a current Chrome or Safari.';
		return;
	}
	$('unsupported').hidden = true;
	$('add').addEventListener('submit', onAdd);
	addLink(await firstLaptop(), true);
	stored().forEach((a) => addLink(a, false));
	document.addEventListener('visibilitychange', () => {
		if (document.visibilityState === 'visible') {
			keepAwake();
			retryAll();
		}
	});
	window.addEventListener('online', retryAll);
	window.addEventListener('offline', render);
	window.addEventListener('pageshow', retryAll);
	setInterval(() => {
		links.forEach((l) => l.tick());
		render();
	}, 1000);
	keepAwake();
	render();
}

/* for tests and the curious: the numbers behind the view */
window.tether = {
	links: () => links.map((l) => ({
		address: l.address,
		server_url: l.serverUrl,
		laptop: l.laptop.state,
		server: l.server.state,
		up: { relayed: l.server.relayed, dropped: l.server.dropped,
			bytes: l.server.bytes },
		down: { relayed: l.laptop.relayed, dropped: l.laptop.dropped,
			bytes: l.laptop.bytes },
	})),
};

main();
