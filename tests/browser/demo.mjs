// SPDX-License-Identifier: ISC
// The demo page in a real browser (Debian's chromium, driven by
// playwright-core from build/browser/), as a newcomer meets it on the
// running stack: connect through the sandbox's login page, see the card
// with the fake account's exact values, keep a setting across a reload,
// publish, disconnect; Deny and its access_denied with a request id;
// Facebook Login's account choice; a token pasted where there is no
// sandbox.  No page may hit a script error or
// break its Content-Security-Policy.  Prints "ok NAME" / "FAIL NAME"
// lines and "N passed, N failed"; screenshots go to $OUT.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { chromium } = createRequire(`${root}build/browser/package.json`)(
    'playwright-core');

const base = process.env.IGCONNECT_BASE_URL;
const out = process.env.OUT ?? `${root}var/test-output/browser`;
const run = `${process.pid}`;
let passed = 0;
let failed = 0;

function check(name, ok, why = '') {
	if (ok) passed += 1;
	else failed += 1;
	console.log(`${ok ? 'ok' : 'FAIL'} ${name}${ok || !why ? '' : `: ${why}`}`);
}

// The text of "selector" once it satisfies "want" (a string or a
// RegExp), else whatever it was when the wait ran out.
async function waitText(page, selector, want, ms = 20000) {
	const end = Date.now() + ms;
	for (;;) {
		const text = (await page.locator(selector).textContent()
		    .catch(() => '')) ?? '';
		const ok = typeof want === 'string' ? text === want : want.test(text);
		if (ok || Date.now() > end) return text;
		await new Promise((r) => setTimeout(r, 100));
	}
}

async function checkText(page, name, selector, want, ms) {
	const got = await waitText(page, selector, want, ms);
	check(name, typeof want === 'string' ? got === want : want.test(got),
	    `"${got}"`);
}

// A page of its own (its own sessionStorage) for demo user "user", with
// every request off the stack refused (the profile pictures are Meta's
// CDN's) and every script error or CSP refusal noted in "errors".
// "setup" may route more of the context's requests first.
async function open(browser, user, errors, setup = async () => {}) {
	const ctx = await browser.newContext({ locale: 'en-US',
	    timezoneId: 'UTC', viewport: { width: 900, height: 1200 } });
	await ctx.route((url) => !url.href.startsWith(base),
	    (route) => route.abort());
	await setup(ctx);
	const page = await ctx.newPage();
	page.on('pageerror', (e) => errors.push(`${user}: ${e.message}`));
	page.on('console', (m) => {
		// A refused request (the API's 4xx, the CDN) is no page error.
		if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
			errors.push(`${user}: ${m.text()}`);
	});
	await page.goto(`${base}/demo/?user=${user}`);
	return page;
}

// On the sandbox's login page: account "account" (a radio), then the
// button "answer" (Allow or Deny).
async function login(page, account, answer) {
	await page.waitForURL(/\/sandbox\//);
	if (account)
		await page.check(`input[name=fake_account][value="${account}"]`);
	await page.getByRole('button', { name: answer, exact: true }).click();
}

const publishOnce = () => new Promise((resolve) => execFile(
    `${root}tools/igconnect-publish`, ['--once'], () => resolve()));

async function connectAndManage(browser, errors) {
	const n = 4;
	const page = await open(browser, `browser-${run}-a`, errors);
	await page.getByRole('button', { name: 'Connect Instagram',
	    exact: true }).click();
	await login(page, n, 'Allow');
	await checkText(page, 'connect: the card shows @fake_user_4', '#username',
	    `@fake_user_${n}`);
	check('... the code left the address bar', page.url() === `${base}/demo/`,
	    page.url());
	await checkText(page, '... the name', '#name', `Fake User ${n}`);
	await checkText(page, '... followers (1000 + 37N)', '#followers',
	    (1000 + 37 * n).toLocaleString('en-US'));
	await checkText(page, '... follows (100 + N)', '#follows', `${100 + n}`);
	await checkText(page, '... posts (10 + N)', '#media-count', `${10 + n}`);
	await checkText(page, '... status', '#status', 'Connected');
	await checkText(page, '... expiry in about 60 days', '#expires',
	    /\(in (59|60) days\)$/);
	check('... no refresh warning',
	    await page.locator('#needs-refresh').isHidden());
	check('... the picture falls back to the initial',
	    await waitText(page, '#avatar', 'F') === 'F');

	await checkText(page, 'events: none yet', '#event-list li', /^None yet/);

	await page.fill('#toneOfVoice', 'Warm, brief');
	await page.fill('#systemPrompt', 'Line one\nLine two');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await checkText(page, 'settings: saved', '#settings-msg', 'Saved.');
	await page.reload();
	await waitText(page, '#username', `@fake_user_${n}`);
	check('... and kept across a reload', [
	    await page.inputValue('#toneOfVoice'),
	    await page.inputValue('#systemPrompt')].join('|') ===
	    'Warm, brief|Line one\nLine two');

	await page.fill('#image-url', 'https://cdn.example.com/browser.jpg');
	await page.fill('#caption', `From the browser ${run}`);
	await page.getByRole('button', { name: 'Publish' }).click();
	// A loaded machine may end the request's short wait first; the
	// worker then finishes the job, as in production.
	if (!/published/.test(await waitText(page, '#job', /published/, 15000)))
		await publishOnce();
	await checkText(page, 'publish: the job ends published', '#job',
	    /^published job [0-9a-f-]{36} the post$/, 30000);
	await checkText(page, '... and is listed', '#jobs li:first-child',
	    new RegExp(`^published From the browser ${run} · `));

	await page.getByRole('button', { name: 'Refresh token' }).click();
	await checkText(page, 'refresh of a new token: too_early with its id',
	    '#card-msg', /^too_early \(HTTP 409\) .*request id [0-9a-f]{32}$/);
	mkdirSync(out, { recursive: true });
	await page.screenshot({ path: `${out}/demo-connected.png`,
	    fullPage: true });

	await page.getByRole('button', { name: 'Disconnect' }).click();
	await checkText(page, 'disconnect: the card says so', '#status',
	    'Disconnected: connect again to use it');
	check('... and offers to connect again', await page.getByRole('button',
	    { name: 'Connect Instagram', exact: true }).isVisible());
	await page.context().close();
}

async function deny(browser, errors) {
	const page = await open(browser, `browser-${run}-b`, errors);
	await page.getByRole('button', { name: 'Connect Instagram',
	    exact: true }).click();
	await login(page, 2, 'Deny');
	await checkText(page, 'Deny: access_denied with its status',
	    '#callback-msg', /^access_denied \(HTTP 400\) /);
	await checkText(page, '... and a request id', '#callback-msg .request-id',
	    /^request id [0-9a-f]{32}$/);
	// The page asks for the connection after showing the error: wait.
	check('... then the connect buttons again', await page.getByRole(
	    'button', { name: 'Connect Instagram', exact: true })
	    .waitFor({ state: 'visible', timeout: 10000 })
	    .then(() => true, () => false));
	await page.screenshot({ path: `${out}/demo-denied.png`, fullPage: true });
	await page.context().close();
}

// Facebook Login, with the sandbox's knobs for two linked Pages added to
// the dialog's URL on its way (a person would own two such Pages).
async function choose(browser, errors) {
	const page = await open(browser, `browser-${run}-c`, errors);
	await page.route(/\/sandbox\/v[0-9]+\.0\/dialog\/oauth\?/, (route) => {
		const url = route.request().url();
		// The consent form carries them on as hidden fields.
		return url.includes('fake_pages=') ? route.continue() :
		    route.continue({ url: `${url}&fake_pages=3&fake_linked=1,3` });
	});
	await page.getByRole('button', { name: 'Connect with Facebook Login' })
	    .click();
	await login(page, 1, 'Allow');
	await checkText(page, 'Facebook Login: two accounts offered',
	    '#choice', /@fake_user_1 .*@fake_user_3 /);
	await page.locator('#choice li').nth(1).getByRole('button').click();
	await checkText(page, '... the chosen one connected', '#username',
	    '@fake_user_3');
	await page.context().close();
}

// A deployment without the sandbox, where /dev/token is nginx's 404: the
// person pastes a token their app made, and again when the login comes
// back, since the page keeps none.
async function pasted(browser, errors) {
	const user = `browser-${run}-d`;
	const { token } = await (await fetch(`${base}/dev/token?sub=${user}`))
	    .json();
	const page = await open(browser, user, errors, (ctx) => ctx.route(
	    `${base}/dev/token?**`, (route) => route.fulfill({ status: 404,
	    contentType: 'application/json', body: '{"error":"not_found"}' })));
	const paste = async () => {
		await page.fill('#paste-token', token);
		await page.getByRole('button', { name: 'Use this token' }).click();
	};
	await checkText(page, 'no sandbox: the page asks for a token',
	    '#caller-status', /^No sandbox here: paste a token/);
	await paste();
	await page.getByRole('button', { name: 'Connect Instagram',
	    exact: true }).click();
	await login(page, 5, 'Allow');
	await checkText(page, '... and again when the login is back',
	    '#caller-status', /^Paste your token again/);
	await paste();
	await checkText(page, '... then connected', '#username', '@fake_user_5');
	await page.context().close();
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
	// This machine reaches no network: what chromium would fetch for
	// itself is turned off rather than left to fail.
	args: ['--disable-gpu', '--disable-quic', '--disable-component-update',
	    '--disable-background-networking', '--disable-sync'],
});
const errors = [];
for (const test of [connectAndManage, deny, choose, pasted]) {
	try {
		await test(browser, errors);
	} catch (err) {
		check(test.name, false, err.message.split('\n')[0]);
	}
}
await browser.close();
check('no script error or CSP refusal on any page', errors.length === 0,
    errors.join('; '));
console.log(`screenshots in ${out}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
