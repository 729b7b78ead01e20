-- Marks one of the user's notifications read (the first reading's time is kept); no row when
-- the id is not the user's.
UPDATE notification_inbox SET read_at = coalesce(read_at, CAST(:now AS timestamptz))
 WHERE id = :id AND user_id = :user
RETURNING id
