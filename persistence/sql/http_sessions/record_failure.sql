-- Counts a failure in the key's window (a new window once the old one has passed) and blocks
-- the key until now + block_seconds once the count reaches max_failures.
INSERT INTO login_failure AS f (throttle_key, failures, window_start, blocked_until)
VALUES (:key, 1, CAST(:now AS timestamptz),
        CASE WHEN 1 >= :max_failures THEN CAST(:now AS timestamptz) + make_interval(secs => :block_seconds) END)
ON CONFLICT (throttle_key) DO UPDATE
   SET failures = CASE WHEN f.window_start + make_interval(secs => :window_seconds) > CAST(:now AS timestamptz)
                       THEN f.failures + 1 ELSE 1 END,
       window_start = CASE WHEN f.window_start + make_interval(secs => :window_seconds) > CAST(:now AS timestamptz)
                           THEN f.window_start ELSE CAST(:now AS timestamptz) END,
       blocked_until = CASE WHEN (CASE WHEN f.window_start + make_interval(secs => :window_seconds) > CAST(:now AS timestamptz)
                                       THEN f.failures + 1 ELSE 1 END) >= :max_failures
                            THEN CAST(:now AS timestamptz) + make_interval(secs => :block_seconds)
                            ELSE f.blocked_until END
