INSERT INTO http_session (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, client)
VALUES (decode(:token_hash, 'hex'), :user_id, :csrf_token, CAST(:now AS timestamptz), CAST(:now AS timestamptz),
        CAST(:expires_at AS timestamptz), :client)
