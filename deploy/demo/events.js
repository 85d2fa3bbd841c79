// SPDX-License-Identifier: ISC
// events.js: the account's recent webhook entries (GET
// /integrations/instagram/events), with the relay's status of each.
import { $, busy, el, showError, when } from './ui.js';

/** What the entry says, in a few words: Meta's field and its value's id. */
function summary(ev) {
	const change = ev.entry?.changes?.[0];
	const what = ev.field ?? (ev.entry?.messaging ? 'messaging' : 'entry');
	return change?.value?.text ? `${what}: "${change.value.text}"` : what;
}

/** The caller's latest events in the list "event-list". */
export async function renderEvents(ig) {
	try {
		const { events } = await ig.events({ limit: 10 });
		$('event-list').replaceChildren(...(events.length === 0 ?
		    [el('li', {}, 'None yet: Meta sends them once the app is ' +
		    'subscribed to the account\'s fields.')] :
		    events.map((ev) => el('li', {},
			el('span', { class: `badge ${ev.status}` }, ev.status), ' ',
			summary(ev), ev.isTest ? ' (a test from the dashboard)' :
			'', ' · ', when(ev.receivedAt)))));
		$('events').hidden = false;
	} catch (err) {
		showError('events-msg', err);
	}
}

export function setupEvents(ig) {
	$('events-reload').addEventListener('click', () =>
	    busy($('events-reload'), 'events-msg', () => renderEvents(ig)));
}
