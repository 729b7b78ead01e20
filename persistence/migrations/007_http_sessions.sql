-- Sessions of the HTTP API (issue 5) and the throttle on failed logins. Both live in the
-- database, not in a server's memory, so that several `shinchoku serve` processes behind a
-- load balancer share them: a session made by one is honoured by the others, and failures
-- sent to different instances add up.

-- A session token is random (256 bits) and handed to the client once; only its SHA-256 is
-- stored, so a copy of this table opens no session. csrf_token is the double-submit value the
-- web UI sends back in X-CSRF-Token on every change (it alone grants nothing).
CREATE TABLE http_session (
  token_hash    bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  user_id       bigint NOT NULL REFERENCES app_user,
  csrf_token    text NOT NULL CHECK (csrf_token <> ''),
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  -- the absolute end (created_at + the configured lifetime); idle expiry is last_seen_at + idle
  expires_at    timestamptz NOT NULL,
  client        text,
  ended_at      timestamptz,   -- logout; kept for the record, never honoured again
  CHECK (expires_at > created_at)
);
CREATE INDEX http_session_user_idx ON http_session (user_id);
CREATE INDEX http_session_expiry_idx ON http_session (expires_at);

-- Failed logins per key ("login:<login>" and "addr:<client address>") in a sliding window.
CREATE TABLE login_failure (
  throttle_key  text PRIMARY KEY,
  failures      integer NOT NULL CHECK (failures > 0),
  window_start  timestamptz NOT NULL,
  blocked_until timestamptz
);
