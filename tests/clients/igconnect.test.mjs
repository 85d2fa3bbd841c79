// SPDX-License-Identifier: ISC
// The JavaScript client (deploy/clients/igconnect.js) against the running
// stack, as a host app's Node backend would use it.  Run by t_js.sh with
// the stack's environment: IGCONNECT_BASE_URL, JWT_SECRET and the
// sandbox's login page URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import { Igconnect, IgconnectError } from '../../deploy/clients/igconnect.js';

const env = process.env;
const base = env.IGCONNECT_BASE_URL;
let users = 0;

const b64url = (s) => Buffer.from(s).toString('base64url');

// The caller's JWT as a host app signs it (HS256 with JWT_SECRET).
function jwt(sub, ttl = 300) {
	const now = Math.floor(Date.now() / 1000);
	const claims = { sub, iat: now, exp: now + ttl };
	if (env.IGCONNECT_JWT_ISSUER) claims.iss = env.IGCONNECT_JWT_ISSUER;
	if (env.IGCONNECT_JWT_AUDIENCE) claims.aud = env.IGCONNECT_JWT_AUDIENCE;
	const head = `${b64url('{"alg":"HS256","typ":"JWT"}')}.` +
	    b64url(JSON.stringify(claims));
	const sig = createHmac('sha256', env.JWT_SECRET).update(head)
	    .digest('base64url');
	return `${head}.${sig}`;
}

// A client for a new user of this run.
function client() {
	users += 1;
	return new Igconnect({ baseUrl: base,
	    token: jwt(`js-client-${process.pid}-${users}`) });
}

// The sandbox's login page answered in the user's place (its knobs), as
// tests/lib/flow.c does: where the browser would be sent back to.
async function login(authUrl, knobs) {
	const res = await fetch(`${authUrl}&${knobs}`, { redirect: 'manual' });
	assert.equal(res.status, 302, `the sandbox's login page: ${res.status}`);
	return res.headers.get('location');
}

// Connects fake account N; the connection.
async function connect(ig, account) {
	const { authUrl } = await ig.authorizeUrl();
	const back = await login(authUrl,
	    `fake_account=${account}&fake_consent=allow`);
	return ig.exchange(Igconnect.callbackParams(back));
}

// The promise rejects with an IgconnectError of this code and status,
// and a request id; the error.
async function rejects(promise, code, status) {
	let err;
	await assert.rejects(promise, (e) => {
		err = e;
		return true;
	});
	assert.ok(err instanceof IgconnectError, `not typed: ${err}`);
	assert.deepEqual([err.code, err.status], [code, status], err.message);
	if (status !== 0)
		assert.match(err.requestId ?? '', /^[0-9a-f]{32}$/);
	return err;
}

test('authorizeUrl: the sandbox login page, a state and its expiry', async () => {
	const ig = client();
	const u = await ig.authorizeUrl();
	assert.ok(u.authUrl.startsWith(
	    `${env.IGCONNECT_INSTAGRAM_WWW_URL}/oauth/authorize?`), u.authUrl);
	assert.equal(new URL(u.authUrl).searchParams.get('state'), u.state);
	assert.ok(Date.parse(u.expiresAt) > Date.now());
	const fb = await ig.authorizeUrl({ flavor: 'facebook' });
	assert.match(fb.authUrl, /\/v[0-9]+\.0\/dialog\/oauth\?/);
	assert.notEqual(fb.state, u.state);
});

test('connect through the sandbox, read, settings, refresh, disconnect', async () => {
	const ig = client();
	const n = 6;
	const c = await connect(ig, n);
	assert.equal(c.status, 'connected');
	assert.equal(c.username, `fake_user_${n}`);
	assert.equal(c.name, `Fake User ${n}`);
	assert.deepEqual([c.followersCount, c.followsCount, c.mediaCount],
	    [1000 + 37 * n, 100 + n, 10 + n]);
	assert.equal(c.businessAccountId, String(17841457215396811n +
	    BigInt(n)));
	assert.equal(c.needsRefresh, false);
	assert.deepEqual(await ig.connection(), c);

	let s = await ig.updateSettings({ toneOfVoice: 'dry',
	    systemPrompt: 'Answer in\r\ntwo lines.' });
	assert.deepEqual(s.settings, { toneOfVoice: 'dry',
	    systemPrompt: 'Answer in\r\ntwo lines.' });
	s = await ig.updateSettings({ toneOfVoice: null });
	assert.deepEqual(s.settings, { systemPrompt: 'Answer in\r\ntwo lines.' });
	const bad = await rejects(ig.updateSettings({ tone: 'x' }),
	    'invalid_request', 400);
	assert.match(bad.description, /unknown setting/);

	const early = await rejects(ig.refresh(), 'too_early', 409);
	assert.ok(Date.parse(early.details.refreshableAt) > Date.now());
	assert.ok(early.retryAfter > 0 && early.retryAfter <= 86400);

	const off = await ig.disconnect();
	assert.equal(off.status, 'disconnected');
	assert.equal((await ig.connection()).status, 'disconnected');
	await rejects(ig.refresh(), 'not_found', 404);
});

test('publish an image, then its job; schedule one and cancel it', async () => {
	const ig = client();
	await connect(ig, 7);
	const job = await ig.publish({ imageUrl:
	    'https://cdn.example.com/js-client.jpg', caption: 'from Node' },
	    { idempotencyKey: `js-${process.pid}` });
	assert.match(job.jobId, /^[0-9a-f-]{36}$/);
	assert.ok(['published', 'processing', 'publishing'].includes(job.status),
	    job.status);
	const again = await ig.job(job.jobId);
	assert.equal(again.jobId, job.jobId);
	assert.equal(again.request.caption, 'from Node');
	const list = await ig.jobs({ limit: 5 });
	assert.deepEqual(list.jobs.map((j) => j.jobId), [job.jobId]);
	// The account's events: here what the publish itself queued.
	const { events } = await ig.events({ limit: 5 });
	assert.ok(events.every((e) => typeof e.id === 'string' &&
	    ['pending', 'delivered', 'dead'].includes(e.status)));
	await rejects(ig.events({ limit: 0 }), 'invalid_request', 400);
	const same = await ig.publish({ imageUrl:
	    'https://cdn.example.com/js-client.jpg', caption: 'from Node' },
	    { idempotencyKey: `js-${process.pid}` });
	assert.equal(same.jobId, job.jobId);
	await rejects(ig.job('00000000-0000-0000-0000-000000000000'),
	    'not_found', 404);
	// A post scheduled for tomorrow can be canceled; a published one not.
	const tomorrow = new Date(Date.now() + 86400000).toISOString()
	    .replace(/\.\d+Z$/, 'Z');
	const later = await ig.publish({ imageUrl:
	    'https://cdn.example.com/later.jpg', publishAt: tomorrow });
	assert.deepEqual([later.status, later.publishAt], ['scheduled', tomorrow]);
	assert.equal((await ig.cancelJob(later.jobId)).status, 'canceled');
	if (job.status === 'published')
		await rejects(ig.cancelJob(job.jobId), 'conflict', 409);
	await rejects(ig.publish({ imageUrl: 'http://cdn.example.com/a.jpg' }),
	    'invalid_request', 400);
});

test('Deny: access_denied, and the state is spent', async () => {
	const ig = client();
	const { authUrl } = await ig.authorizeUrl();
	const back = Igconnect.callbackParams(await login(authUrl,
	    'fake_consent=deny'));
	assert.equal(back.error, 'access_denied');
	assert.equal(back.error_reason, 'user_denied');
	await rejects(ig.exchange(back), 'access_denied', 400);
	await rejects(ig.exchange(back), 'invalid_state', 400);
});

test('Facebook Login with two accounts: the choice, then the link', async () => {
	const ig = client();
	const { authUrl } = await ig.authorizeUrl({ flavor: 'facebook' });
	const back = await login(authUrl, 'fake_account=2&fake_pages=3&' +
	    'fake_linked=1,3&fake_consent=allow');
	const choice = await rejects(ig.exchange(Igconnect.callbackParams(back)),
	    'account_choice_required', 409);
	const { candidates, selection } = choice.details;
	assert.deepEqual(candidates.map((c) => c.username),
	    ['fake_user_2', 'fake_user_4']);
	const c = await ig.exchange({ selection, pageId: candidates[1].pageId });
	assert.deepEqual([c.flavor, c.username, c.facebookPageId],
	    ['facebook', 'fake_user_4', candidates[1].pageId]);
	await rejects(ig.exchange({ selection, pageId: candidates[1].pageId }),
	    'invalid_selection', 400);
});

test('errors: typed, with the code, status and request id', async () => {
	const ig = client();
	const none = await rejects(ig.connection(), 'not_found', 404);
	assert.ok(none.description.length > 0);
	assert.ok(none.message.includes(none.requestId));
	const forged = new Igconnect({ baseUrl: base, token: `${jwt('x')}x` });
	await rejects(forged.connection(), 'unauthorized', 401);
	await rejects(ig.exchange({ code: 'c', state: 'not-a-state' }),
	    'invalid_state', 400);
	// A port nothing listens on: no answer at all.
	const down = new Igconnect({ baseUrl: 'http://127.0.0.1:9', token: 't' });
	const err = await rejects(down.connection(), 'network_error', 0);
	assert.equal(err.requestId, null);
});

test('a token getter: called per request, /dev/token in the sandbox', async () => {
	let calls = 0;
	const sub = `js-dev-${process.pid}`;
	const ig = new Igconnect({ baseUrl: base, token: async () => {
		calls += 1;
		const res = await fetch(`${base}/dev/token?sub=${sub}`);
		return (await res.json()).token;
	} });
	await rejects(ig.connection(), 'not_found', 404);
	await ig.authorizeUrl();
	assert.equal(calls, 2);
	assert.throws(() => new Igconnect({ baseUrl: base }), TypeError);
});

test('callbackParams: what a redirect URI receives', () => {
	const cb = 'https://app.example.com/cb';
	assert.deepEqual(Igconnect.callbackParams(`${cb}?code=AQ1&state=s1#_`),
	    { code: 'AQ1', state: 's1' });
	assert.deepEqual(Igconnect.callbackParams(`${cb}?error=access_denied&` +
	    'error_reason=user_denied&error_description=The+user+denied&state=s2'),
	    { state: 's2', error: 'access_denied', error_reason: 'user_denied',
	    error_description: 'The user denied' });
	assert.equal(Igconnect.callbackParams(`${cb}?code=AQ1`), null);
	assert.equal(Igconnect.callbackParams(cb), null);
});
