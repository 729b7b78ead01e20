-- A user's notifications: how many in all, how many unread.
SELECT count(*), count(*) FILTER (WHERE read_at IS NULL) FROM notification_inbox WHERE user_id = :user
