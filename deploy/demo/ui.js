// SPDX-License-Identifier: ISC
// ui.js: the few DOM helpers the demo's modules share.  Text from the
// API (profile fields, error descriptions) only ever goes through
// textContent, never markup.
import { IgconnectError } from './igconnect.js';

/** The element of id "id". */
export const $ = (id) => document.getElementById(id);

/**
 * A new element: el('p', {class: 'x'}, 'text', child...).  Attributes
 * starting with "on" are listeners.
 */
export function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
		else if (v !== undefined && v !== null && v !== false)
			e.setAttribute(k, v === true ? '' : v);
	}
	e.append(...children.filter((c) => c !== null && c !== undefined));
	return e;
}

/** Shows or hides the elements of the given ids. */
export function show(visible, ...ids) {
	for (const id of ids) $(id).hidden = !visible;
}

/**
 * The error in the message box "box": the API's code, HTTP status,
 * description and request id, which names the server's log line.
 */
export function showError(box, err) {
	const b = $(box);
	if (err instanceof IgconnectError) {
		const at = err.details.refreshableAt;
		b.replaceChildren(
		    el('strong', { class: 'code' }, err.code),
		    err.status ? ` (HTTP ${err.status}) ` : ' ',
		    err.description,
		    at ? ` (from ${when(at)})` : null,
		    err.requestId ? el('span', { class: 'request-id' },
			'request id ', el('code', {}, err.requestId)) : null);
	} else {
		b.replaceChildren(el('strong', { class: 'code' }, 'error'), ' ',
		    String(err?.message ?? err));
	}
	b.className = 'message error';
	b.hidden = false;
}

/** A plain message in the box "box" (kind: info or ok). */
export function showMessage(box, text, kind = 'info') {
	const b = $(box);
	b.replaceChildren(text);
	b.className = `message ${kind}`;
	b.hidden = false;
}

export function clearMessage(box) {
	$(box).hidden = true;
}

/** A time as the reader's locale writes it; "never" for null. */
export function when(iso) {
	return iso ? new Date(iso).toLocaleString() : 'never';
}

/** "in 59 days", "2 days ago", "today". */
export function fromNow(iso) {
	const days = Math.round((Date.parse(iso) - Date.now()) / 86400000);
	if (days === 0) return 'today';
	return days > 0 ? `in ${days} day${days === 1 ? '' : 's'}` :
	    `${-days} day${days === -1 ? '' : 's'} ago`;
}

/**
 * Runs "task" with "button" disabled meanwhile; an error goes to the
 * message box "box".
 */
export async function busy(button, box, task) {
	button.disabled = true;
	clearMessage(box);
	try {
		return await task();
	} catch (err) {
		showError(box, err);
		return undefined;
	} finally {
		button.disabled = false;
	}
}
