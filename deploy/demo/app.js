// SPDX-License-Identifier: ISC
// app.js: the demo page.  One page for /demo/ and /demo/callback, where
// a login comes back: there it finishes the login (POST
// /oauth/instagram/exchange), elsewhere it shows the connection.  All of
// igconnect is reached through deploy/clients/igconnect.js; the page
// never sees a Meta token, and keeps nothing secret.
import { Igconnect } from './igconnect.js';
import { caller } from './caller.js';
import { renderConnection, renderNone, settingsPatch } from './card.js';
import { renderEvents, setupEvents } from './events.js';
import { renderJobs, setupPublish } from './publish.js';
import { $, busy, el, showError, showMessage } from './ui.js';

const returned = location.pathname.endsWith('/callback');
const back = returned ? Igconnect.callbackParams(location.href) : null;
// The code is single use and worth nothing after the exchange, but it
// has no business in the address bar, the history or a bookmark.
if (returned) history.replaceState(null, '', './');

const ig = new Igconnect({ baseUrl: location.origin,
    token: await caller(returned) });

/** The caller's latest jobs and webhook events, each failure in its box. */
async function refreshLists() {
	await renderJobs(ig).catch((err) => showError('publish-msg', err));
	await renderEvents(ig);
}

/** The caller's connection, or the connect buttons when there is none. */
async function load() {
	try {
		renderConnection(await ig.connection());
		await refreshLists();
	} catch (err) {
		renderNone();
		if (err.code !== 'not_found') showError('connect-msg', err);
	}
}

/** Facebook Login found several accounts: the person picks one. */
function offerChoice({ candidates, selection }) {
	showMessage('callback-msg', 'Your Facebook Pages hold several ' +
	    'Instagram accounts: which one should this app use?');
	$('choice').replaceChildren(...candidates.map((c) => {
		const pick = el('button', { type: 'button' }, 'Connect this account');
		pick.addEventListener('click', () => busy(pick, 'callback-msg',
		    async () => {
			renderConnection(await ig.exchange({ selection,
			    pageId: c.pageId }));
			$('choice').replaceChildren();
			showMessage('callback-msg', `Connected @${c.username}.`, 'ok');
			await refreshLists();
		}));
		return el('li', {}, el('strong', {}, `@${c.username ?? '?'}`),
		    ` on the Page "${c.pageName ?? c.pageId}" `, pick);
	}));
}

/** Finishes the login that came back to /demo/callback. */
async function finishLogin() {
	$('callback').hidden = false;
	if (!back) {
		showMessage('callback-msg', 'This is where Instagram sends the ' +
		    'person back, with a code or an error; this address had ' +
		    'neither. Connect below.');
		return load();
	}
	showMessage('callback-msg', back.error ? 'The login was refused…' :
	    'Finishing the connection…');
	try {
		renderConnection(await ig.exchange(back));
		showMessage('callback-msg', 'Connected.', 'ok');
		await refreshLists();
	} catch (err) {
		if (err.code === 'account_choice_required')
			return offerChoice(err.details);
		showError('callback-msg', err);
		await load();
	}
	return undefined;
}

function connectButton(id, flavor) {
	$(id).addEventListener('click', () => busy($(id), 'connect-msg',
	    async () => {
		// The state comes back on the redirect: nothing to keep here.
		location.assign((await ig.authorizeUrl({ flavor })).authUrl);
	}));
}

connectButton('connect-instagram', 'instagram');
connectButton('connect-facebook', 'facebook');
$('refresh').addEventListener('click', () => busy($('refresh'), 'card-msg',
    async () => {
	renderConnection(await ig.refresh());
	showMessage('card-msg', 'The token was refreshed.', 'ok');
}));
$('disconnect').addEventListener('click', () => busy($('disconnect'),
    'card-msg', async () => {
	renderConnection(await ig.disconnect());
	showMessage('card-msg', 'Disconnected: igconnect holds no token for ' +
	    'this account now.', 'ok');
}));
$('settings-form').addEventListener('submit', (ev) => {
	ev.preventDefault();
	busy($('save-settings'), 'settings-msg', async () => {
		renderConnection(await ig.updateSettings(settingsPatch()));
		showMessage('settings-msg', 'Saved.', 'ok');
	});
});
setupPublish(ig);
setupEvents(ig);

await (returned ? finishLogin() : load());
