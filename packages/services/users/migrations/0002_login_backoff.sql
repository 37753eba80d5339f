-- Login throttling with growing delays (issue 15): each key remembers when it last failed, so the
-- wait after it doubles with every failure past the free ones. Keys are now per (client address,
-- account) and per client address; the old per-account counters (`account:<email>`, which let anyone
-- lock an owner out) are dropped.
ALTER TABLE users.login_throttle ADD COLUMN last_failed_at timestamptz;
UPDATE users.login_throttle SET last_failed_at = window_started_at;
ALTER TABLE users.login_throttle ALTER COLUMN last_failed_at SET NOT NULL;
DELETE FROM users.login_throttle WHERE key LIKE 'account:%';
