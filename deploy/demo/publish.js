// SPDX-License-Identifier: ISC
// publish.js: the publish form.  POST the post, then follow its job
// until it ends (published, failed, canceled) or the page stops waiting:
// igconnect-publish carries on with a job the request left unfinished.
import { $, busy, el, showMessage, when } from './ui.js';

const POLL_MS = 2000;
const POLLS = 30;
const ENDED = ['published', 'failed', 'canceled'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The job in the box "job". */
function renderJob(job) {
	const parts = [el('strong', { class: `badge ${job.status}` }, job.status),
	    ' job ', el('code', {}, job.jobId)];
	if (job.permalink)
		parts.push(' ', el('a', { href: job.permalink, rel: 'noreferrer',
		    target: '_blank' }, 'the post'));
	if (job.error)
		parts.push(' ', el('strong', { class: 'code' }, job.error.code),
		    ` ${job.error.text}`);
	if (!ENDED.includes(job.status) && job.nextAttemptAt)
		parts.push(` (next step ${when(job.nextAttemptAt)})`);
	$('job').replaceChildren(...parts);
	$('job').hidden = false;
}

/** The caller's latest jobs. */
export async function renderJobs(ig) {
	const { jobs } = await ig.jobs({ limit: 5 });
	$('jobs').replaceChildren(...jobs.map((j) => el('li', {},
	    el('span', { class: `badge ${j.status}` }, j.status), ' ',
	    j.request.caption || j.request.imageUrl || j.mediaType, ' · ',
	    when(j.createdAt))));
}

/** Follows the job until it ends or the page gives up waiting. */
async function follow(ig, job) {
	for (let i = 0; i < POLLS && !ENDED.includes(job.status); i++) {
		await sleep(POLL_MS);
		job = await ig.job(job.jobId);
		renderJob(job);
	}
	if (!ENDED.includes(job.status))
		showMessage('publish-msg', 'Still in progress: igconnect-publish ' +
		    'finishes it (in the local stack, run tools/igconnect-publish ' +
		    '--once).');
	return job;
}

export function setupPublish(ig) {
	// One key per post, kept until igconnect answers: a retry after a
	// lost answer cannot publish it twice.
	let key = null;
	const form = $('publish-form');
	form.addEventListener('input', () => { key = null; });
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		key ??= crypto.randomUUID();
		busy($('publish-btn'), 'publish-msg', async () => {
			const post = { imageUrl: $('image-url').value };
			if ($('caption').value) post.caption = $('caption').value;
			let job;
			try {
				job = await ig.publish(post, { idempotencyKey: key });
			} catch (err) {
				// A job at Meta's 24-hour limit waits, and says so.
				if (err.details?.jobId) renderJob(err.details);
				throw err;
			}
			key = null;
			renderJob(job);
			await follow(ig, job);
			await renderJobs(ig);
		});
	});
}
