// SPDX-License-Identifier: ISC
// caller.js: who the demo page calls igconnect as.  In the sandbox,
// /dev/token mints a demo user's JWT (the page never holds the secret);
// elsewhere the person pastes a JWT their app made (igconnect-token
// prints one).  Nothing secret is stored: a pasted token lives in this
// page's memory only, and the demo user's name, kept for this tab so a
// login's return finds the same user, is no secret.
import { $, showMessage } from './ui.js';

const USER_KEY = 'igconnect-demo-user';
const USER_RE = /^[A-Za-z0-9._@-]{1,64}$/;

/** The demo user: ?user= in the URL, else this tab's, else demo-user. */
function demoUser() {
	const asked = new URL(location.href).searchParams.get('user');
	if (asked && USER_RE.test(asked)) sessionStorage.setItem(USER_KEY, asked);
	return sessionStorage.getItem(USER_KEY) || 'demo-user';
}

/** A token from /dev/token, {token, expiresAt}; null off the sandbox. */
async function devToken(user) {
	const res = await fetch(`/dev/token?sub=${encodeURIComponent(user)}`,
	    { headers: { Accept: 'application/json' } });
	if (res.status === 404) return null;
	const body = await res.json().catch(() => ({}));
	if (!res.ok || !body.token)
		throw new Error(`/dev/token answered ${res.status}`);
	return { token: body.token,
	    expiresAt: Date.now() + body.expiresIn * 1000 };
}

/** The sandbox's caller: a getter that renews the token before it expires. */
function sandboxCaller(user, first) {
	let cur = first;
	showMessage('caller-status', `Sandbox: you are the demo user "${user}". ` +
	    'The login page is a fake of Meta with fake accounts.', 'ok');
	$('demo-user').value = user;
	$('sandbox-form').hidden = false;
	$('sandbox-form').addEventListener('submit', (ev) => {
		ev.preventDefault();
		sessionStorage.setItem(USER_KEY, $('demo-user').value);
		location.assign('./');
	});
	return async () => {
		if (cur.expiresAt - Date.now() < 60000) cur = await devToken(user);
		return cur.token;
	};
}

/** Waits for a pasted token; the getter. */
function pastedCaller(why) {
	showMessage('caller-status', why);
	$('paste-form').hidden = false;
	return new Promise((resolve) => {
		$('paste-form').addEventListener('submit', (ev) => {
			ev.preventDefault();
			const token = $('paste-token').value.trim();
			$('paste-token').value = '';
			$('paste-form').hidden = true;
			showMessage('caller-status', 'Calling igconnect with the ' +
			    'token you pasted (kept in this page only).', 'ok');
			resolve(() => token);
		});
	});
}

/**
 * The token getter for the client, once there is one: the sandbox's at
 * once, a pasted one when the person has pasted it.
 * @param {boolean} returning a login came back and waits for the token
 */
export async function caller(returning) {
	const user = demoUser();
	let why = 'No sandbox here: paste a token your app made for its user ' +
	    '(igconnect-token --sub USER prints one).';
	try {
		const first = await devToken(user);
		if (first) return sandboxCaller(user, first);
	} catch (err) {
		why = `The sandbox's token failed (${err.message}): paste a token.`;
	}
	return pastedCaller(returning ? 'Paste your token again to finish ' +
	    'connecting: the page keeps none across the trip to Instagram.' : why);
}
