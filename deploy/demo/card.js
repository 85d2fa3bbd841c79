// SPDX-License-Identifier: ISC
// card.js: the connection card (picture, @username, name, counts, the
// token's expiry and status) and the settings form that goes with it.
import { $, el, fromNow, show, when } from './ui.js';

const FLAVORS = { instagram: 'Instagram Login', facebook: 'Facebook Login' };
const STATUS_TEXT = {
	connected: 'Connected',
	disconnected: 'Disconnected: connect again to use it',
	expired: 'Expired: connect again',
	needs_reauth: 'Instagram revoked the token: connect again',
};

/** The profile picture, or the username's first letter where it fails. */
function picture(c) {
	const letter = el('span', { class: 'avatar letter', 'aria-hidden': true },
	    (c.username || '?').slice(0, 1).toUpperCase());
	if (!c.profilePictureUrl) return letter;
	const img = el('img', { class: 'avatar', alt: '', src:
	    c.profilePictureUrl, referrerpolicy: 'no-referrer',
	    onerror: () => img.replaceWith(letter) });
	return img;
}

const count = (n) => (typeof n === 'number' ? n.toLocaleString() : '–');

/** When the token expires, in words. */
function expiry(c) {
	if (c.status === 'disconnected') return 'no token';
	if (c.expiresAt === null)
		return c.tokenKind === 'page' ? 'never (a Page token)' : 'never';
	return `${when(c.expiresAt)} (${fromNow(c.expiresAt)})`;
}

/** Fills the card and the settings form with connection "c". */
export function renderConnection(c) {
	$('avatar').replaceChildren(picture(c));
	$('username').textContent = c.username ? `@${c.username}` : '(no username)';
	$('name').textContent = c.name || '';
	$('followers').textContent = count(c.followersCount);
	$('follows').textContent = count(c.followsCount);
	$('media-count').textContent = count(c.mediaCount);
	const st = $('status');
	st.textContent = STATUS_TEXT[c.status] || c.status;
	st.className = `badge ${c.status}`;
	$('flavor').textContent = FLAVORS[c.flavor] || c.flavor;
	$('expires').textContent = expiry(c);
	$('connected-at').textContent = when(c.connectedAt);
	$('synced-at').textContent = when(c.lastSyncedAt);
	$('needs-refresh').hidden = !c.needsRefresh;
	const live = c.status === 'connected';
	$('refresh').hidden = !live || c.tokenKind === 'page';
	$('disconnect').hidden = c.status === 'disconnected';
	show(true, 'card');
	show(live, 'settings', 'publish');
	show(!live, 'connect');
	for (const k of ['systemPrompt', 'toneOfVoice', 'keyInformation'])
		$(k).value = c.settings?.[k] ?? '';
}

/** No connection yet: only the connect buttons. */
export function renderNone() {
	show(false, 'card', 'settings', 'publish', 'events');
	show(true, 'connect');
}

/** The settings form's patch: an emptied field removes its setting. */
export function settingsPatch() {
	const patch = {};
	for (const k of ['systemPrompt', 'toneOfVoice', 'keyInformation'])
		patch[k] = $(k).value === '' ? null : $(k).value;
	return patch;
}
