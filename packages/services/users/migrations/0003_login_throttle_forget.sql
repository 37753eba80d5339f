-- Streaks gone quiet are deleted as logins fail (issue 15): without it, every address that ever
-- failed a login kept its row. The index finds the quiet ones oldest first.
CREATE INDEX login_throttle_last_failed ON users.login_throttle (last_failed_at);
