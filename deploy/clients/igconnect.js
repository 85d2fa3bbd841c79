// SPDX-License-Identifier: ISC
/**
 * igconnect.js: a client of igconnect's canonical API, for browsers and
 * Node 18 or later (it needs only fetch).  No dependencies, no build
 * step: import it as an ES module.
 *
 *   import { Igconnect, IgconnectError } from './igconnect.js';
 *   const ig = new Igconnect({ baseUrl: 'https://api.example.com',
 *       token: () => myApp.igconnectJwt() });
 *   location.assign((await ig.authorizeUrl()).authUrl);
 *   // on the redirect URI's page:
 *   const connection = await ig.exchange(Igconnect.callbackParams(location.href));
 *
 * Every method resolves to the answer's JSON, or rejects with an
 * IgconnectError (the API's error code, HTTP status and request id).
 * The caller's token is igconnect's JWT for your user: it never holds,
 * and no answer carries, a Meta token.
 *
 * @module igconnect
 */

/**
 * A connection, as every connection endpoint answers it.  Absent profile
 * fields are omitted; ids are strings and times ISO 8601 UTC.
 * @typedef {object} Connection
 * @property {string} id
 * @property {'instagram'} provider
 * @property {'connected'|'disconnected'|'expired'|'needs_reauth'} status
 * @property {'instagram'|'facebook'} flavor
 * @property {string} [providerUserId]
 * @property {string} [businessAccountId]
 * @property {string} [facebookPageId]
 * @property {string} [username]
 * @property {string} [name]
 * @property {string} [profilePictureUrl]
 * @property {number} [followersCount]
 * @property {number} [followsCount]
 * @property {number} [mediaCount]
 * @property {string} [biography]
 * @property {string} [website]
 * @property {string} [accountType]
 * @property {string[]} scopes
 * @property {'long'|'short'|'page'} [tokenKind] absent once disconnected
 * @property {string|null} expiresAt null: the token does not expire
 * @property {string|null} [dataAccessExpiresAt] Facebook Login only
 * @property {boolean} needsRefresh
 * @property {string|null} connectedAt
 * @property {string|null} lastSyncedAt
 * @property {Settings} settings
 */

/**
 * @typedef {object} Settings
 * @property {string} [systemPrompt] at most 8192 bytes
 * @property {string} [toneOfVoice] at most 256 bytes
 * @property {string} [keyInformation] at most 8192 bytes
 */

/**
 * @typedef {object} AuthorizeUrl
 * @property {string} authUrl where to send the browser
 * @property {string} state single use; comes back on the redirect
 * @property {string} expiresAt
 */

/**
 * What the redirect URI received: {code, state} after Allow, {state,
 * error, ...} after Deny, or {selection, pageId} to finish an account
 * choice (see IgconnectError.details.candidates).
 * @typedef {object} ExchangeParams
 * @property {string} [code]
 * @property {string} [state]
 * @property {string} [error]
 * @property {string} [error_reason]
 * @property {string} [error_description]
 * @property {string} [selection]
 * @property {string} [pageId]
 * @property {string} [instagramAccountId]
 */

/**
 * A publish job.
 * @typedef {object} Job
 * @property {string} jobId
 * @property {'scheduled'|'processing'|'publishing'|'published'|'failed'|'canceled'} status
 * @property {string} mediaType
 * @property {object} request the post as stored
 * @property {number} attempts
 * @property {string[]} containerIds
 * @property {string} [mediaId]
 * @property {string} [permalink]
 * @property {{code: string, text: string}} [error]
 * @property {string|null} [publishAt]
 * @property {string|null} [nextAttemptAt]
 * @property {string|null} createdAt
 * @property {string|null} updatedAt
 * @property {string|null} publishedAt
 */

/**
 * A post to publish (see the README's "Publishing").
 * @typedef {object} Post
 * @property {'IMAGE'|'REELS'|'STORIES'|'CAROUSEL'} [mediaType]
 * @property {string} [imageUrl]
 * @property {string} [videoUrl]
 * @property {string} [caption]
 * @property {string} [altText]
 * @property {Array<{imageUrl?: string, videoUrl?: string, altText?: string}>} [children]
 * @property {string} [publishAt] ISO 8601 UTC: schedules the post
 */

/**
 * The caller's JWT, or a function that gives it (called before every
 * request, so it may renew an expiring one).
 * @typedef {string | (() => string | Promise<string>)} TokenSource
 */

/** An answer of igconnect that is an error, or no answer at all. */
export class IgconnectError extends Error {
	/**
	 * @param {object} e
	 * @param {string} e.code the API's error code (invalid_state,
	 *     too_early...), or network_error / invalid_response when no
	 *     usable answer came
	 * @param {number} e.status the HTTP status; 0 when none came
	 * @param {string|null} [e.requestId] X-Request-Id: quote it in bug
	 *     reports, it names the server's log line
	 * @param {string} [e.description] error_description
	 * @param {object} [e.details] every other member of the error body
	 *     (refreshableAt, candidates and selection, meta_code...)
	 * @param {number|null} [e.retryAfter] Retry-After, in seconds
	 * @param {unknown} [e.cause]
	 */
	constructor({ code, status, requestId = null, description = '',
	    details = {}, retryAfter = null, cause }) {
		super(`${code}${description ? `: ${description}` : ''}` +
		    (requestId ? ` (request ${requestId})` : ''),
		    cause === undefined ? undefined : { cause });
		this.name = 'IgconnectError';
		/** @type {string} */ this.code = code;
		/** @type {number} */ this.status = status;
		/** @type {string|null} */ this.requestId = requestId;
		/** @type {string} */ this.description = description;
		/** @type {Record<string, unknown>} */ this.details = details;
		/** @type {number|null} */ this.retryAfter = retryAfter;
	}
}

export class Igconnect {
	#base;
	#token;
	#fetch;

	/**
	 * @param {object} options
	 * @param {string} options.baseUrl where igconnect answers, e.g.
	 *     location.origin behind your own nginx
	 * @param {TokenSource} options.token
	 * @param {typeof fetch} [options.fetch] another fetch (tests)
	 */
	constructor({ baseUrl, token, fetch: fetchFn = globalThis.fetch }) {
		if (typeof baseUrl !== 'string' || baseUrl === '')
			throw new TypeError('Igconnect: baseUrl is required');
		if (typeof token !== 'string' && typeof token !== 'function')
			throw new TypeError('Igconnect: token must be a string ' +
			    'or a function');
		this.#base = baseUrl.replace(/\/+$/, '');
		this.#token = token;
		this.#fetch = fetchFn;
	}

	/**
	 * A login URL with a fresh state (10 minutes, single use).
	 * @param {{flavor?: 'instagram'|'facebook', redirectUri?: string}} [opts]
	 * @returns {Promise<AuthorizeUrl>}
	 */
	authorizeUrl({ flavor, redirectUri } = {}) {
		const q = new URLSearchParams();
		if (flavor) q.set('flavor', flavor);
		if (redirectUri) q.set('redirect_uri', redirectUri);
		return this.#call('GET', '/oauth/instagram/url', { query: q });
	}

	/**
	 * Finishes a login: the connection, or an IgconnectError
	 * (access_denied after Deny; account_choice_required with
	 * details.candidates and details.selection when there is a choice).
	 * @param {ExchangeParams} params
	 * @returns {Promise<Connection>}
	 */
	exchange(params) {
		return this.#call('POST', '/oauth/instagram/exchange',
		    { body: params });
	}

	/** @returns {Promise<Connection>} not_found (404) if never connected */
	connection() {
		return this.#call('GET', '/integrations/instagram');
	}

	/** @returns {Promise<Connection>} the connection, disconnected */
	disconnect() {
		return this.#call('DELETE', '/integrations/instagram');
	}

	/**
	 * A new long-lived token now.  too_early (409, details.refreshableAt)
	 * while the token is under 24 hours old.
	 * @returns {Promise<Connection>}
	 */
	refresh() {
		return this.#call('POST', '/integrations/instagram/refresh');
	}

	/**
	 * Merges settings; a null value removes one.
	 * @param {Partial<Record<keyof Settings, string|null>>} settings
	 * @returns {Promise<Connection>}
	 */
	updateSettings(settings) {
		return this.#call('PATCH', '/integrations/instagram/settings',
		    { body: settings });
	}

	/**
	 * Publishes now or at post.publishAt.  The job is published when
	 * Meta was quick, else follow it with job().
	 * @param {Post} post
	 * @param {{idempotencyKey?: string}} [opts] makes a retry safe
	 * @returns {Promise<Job>}
	 */
	publish(post, { idempotencyKey } = {}) {
		const headers = idempotencyKey ?
		    { 'Idempotency-Key': idempotencyKey } : {};
		return this.#call('POST', '/integrations/instagram/media',
		    { body: post, headers });
	}

	/**
	 * @param {string} jobId
	 * @returns {Promise<Job>}
	 */
	job(jobId) {
		return this.#call('GET', jobPath(jobId));
	}

	/**
	 * The caller's jobs, newest first.
	 * @param {{status?: Job['status'], limit?: number, cursor?: string}} [opts]
	 * @returns {Promise<{jobs: Job[], nextCursor?: string}>}
	 */
	jobs({ status, limit, cursor } = {}) {
		const q = new URLSearchParams();
		if (status) q.set('status', status);
		if (limit !== undefined) q.set('limit', String(limit));
		if (cursor) q.set('cursor', cursor);
		return this.#call('GET', '/integrations/instagram/media',
		    { query: q });
	}

	/**
	 * The connected account's recent webhook entries, newest first, with
	 * the relay's status of each.
	 * @param {{limit?: number}} [opts] 1 to 100 (default 20)
	 * @returns {Promise<{events: Array<{id: string, object: ?string,
	 *     field: ?string, receivedAt: string, status: string,
	 *     isTest: boolean, entry: object}>}>}
	 */
	events({ limit } = {}) {
		const q = new URLSearchParams();
		if (limit !== undefined) q.set('limit', String(limit));
		return this.#call('GET', '/integrations/instagram/events',
		    { query: q });
	}

	/**
	 * Cancels a job until it may have asked Meta to publish (then
	 * conflict, 409).
	 * @param {string} jobId
	 * @returns {Promise<Job>}
	 */
	cancelJob(jobId) {
		return this.#call('DELETE', jobPath(jobId));
	}

	/**
	 * What a redirect URI received, ready for exchange(): {code, state},
	 * {state, error, error_reason, error_description}, or null when the
	 * URL is no login's return.
	 * @param {string|URL} url
	 * @returns {ExchangeParams|null}
	 */
	static callbackParams(url) {
		const q = new URL(url).searchParams;
		const state = q.get('state');
		if (!state) return null;
		if (q.get('error')) {
			const p = { state, error: q.get('error') };
			for (const k of ['error_reason', 'error_description'])
				if (q.get(k)) p[k] = q.get(k);
			return p;
		}
		const code = q.get('code');
		return code ? { code, state } : null;
	}

	async #call(method, path, { query, body, headers = {} } = {}) {
		const url = this.#base + path +
		    (query && [...query].length ? `?${query}` : '');
		const token = typeof this.#token === 'function' ?
		    await this.#token() : this.#token;
		const init = { method, headers: { Accept: 'application/json',
		    Authorization: `Bearer ${token}`, ...headers } };
		if (body !== undefined) {
			init.headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		// Not this.#fetch(...): a browser's fetch called as a method of
		// another object throws "Illegal invocation".
		const fetchFn = this.#fetch;
		let res;
		try {
			res = await fetchFn(url, init);
		} catch (cause) {
			throw new IgconnectError({ code: 'network_error', status: 0,
			    description: `${method} ${url}: ${cause.message}`,
			    cause });
		}
		const requestId = res.headers.get('X-Request-Id');
		const data = await res.text().then(JSON.parse).catch(() => null);
		if (res.ok && data !== null && typeof data === 'object')
			return data;
		if (data === null || typeof data.error !== 'string')
			throw new IgconnectError({ code: 'invalid_response',
			    status: res.status, requestId,
			    description: `${method} ${path} answered ` +
			    `${res.status} without a JSON body` });
		const { error, error_description: description = '',
		    request_id: id, ...details } = data;
		const retry = Number.parseInt(res.headers.get('Retry-After'), 10);
		throw new IgconnectError({ code: error, status: res.status,
		    requestId: id ?? requestId, description, details,
		    retryAfter: Number.isNaN(retry) ? null : retry });
	}
}

function jobPath(jobId) {
	return `/integrations/instagram/media/${encodeURIComponent(jobId)}`;
}
