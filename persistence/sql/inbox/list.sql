-- A user's in-app notifications, newest first: all or only the unread, a page after a cursor
-- (ids below :before; 0 for the first page).
SELECT n.id, n.sheet_id, s.fiscal_year, s.sheet_no, n.title, n.body,
       to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(n.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
  FROM notification_inbox n
  JOIN sheet s ON s.id = n.sheet_id
 WHERE n.user_id = :user
   AND (:unread = 0 OR n.read_at IS NULL)
   AND (:before = 0 OR n.id < :before)
 ORDER BY n.id DESC
 LIMIT :limit
