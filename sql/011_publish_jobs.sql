-- Publishing (publishing docs): one job per request to publish, advanced
-- one step at a time by the program that took the request and by
-- igconnect-publish, each step claimed with a lease and written
-- conditionally on the row's version.  A post is never published twice:
-- the step before media_publish is recorded first, and a job found there
-- reads its container before it may publish again.
CREATE TABLE publish_jobs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  userId UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  accountId TEXT NOT NULL,
  idempotencyKey TEXT,
  requestHash BYTEA NOT NULL CHECK (length(requestHash) = 32),
  request JSONB NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('scheduled', 'processing',
    'publishing', 'published', 'failed', 'canceled')),
  -- The next step: children, container, poll, quota, publish, confirm,
  -- lookup, permalink; NULL once the job has ended.
  step TEXT CHECK (step IN ('children', 'container', 'poll', 'quota',
    'publish', 'confirm', 'lookup', 'permalink')),
  publishAt TIMESTAMP,
  nextAttemptAt TIMESTAMP NOT NULL DEFAULT NOW(),
  leaseUntil TIMESTAMP,
  attempts INT NOT NULL DEFAULT 0,
  pollDeadline TIMESTAMP,
  publishAttemptedAt TIMESTAMP,
  mediaId TEXT,
  permalink TEXT,
  errorCode TEXT,
  errorText TEXT,
  version BIGINT NOT NULL DEFAULT 1,
  createdAt TIMESTAMP NOT NULL DEFAULT NOW(),
  updatedAt TIMESTAMP NOT NULL DEFAULT NOW(),
  publishedAt TIMESTAMP,
  UNIQUE (userId, idempotencyKey)
);

CREATE INDEX publish_jobs_due_idx ON publish_jobs (nextAttemptAt)
  WHERE step IS NOT NULL;
CREATE INDEX publish_jobs_user_idx ON publish_jobs (userId, createdAt DESC);
CREATE INDEX publish_jobs_account_idx ON publish_jobs (accountId, publishedAt)
  WHERE status = 'published';

-- The containers of a job, recorded before they are polled: position 0
-- is the post's own container, 1 to 10 a carousel's children in order.
CREATE TABLE publish_containers (
  jobId UUID NOT NULL REFERENCES publish_jobs (id) ON DELETE CASCADE,
  position INT NOT NULL CHECK (position BETWEEN 0 AND 10),
  containerId TEXT NOT NULL,
  createdAt TIMESTAMP NOT NULL DEFAULT NOW(),
  PRIMARY KEY (jobId, position)
);
