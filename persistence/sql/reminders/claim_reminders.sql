-- The dispatcher's claim: whole digests (a recipient's rows of one channel and day) that are due,
-- or whose claim's lease ran out (a process that died), locked with SKIP LOCKED so that other
-- dispatchers take other digests, marked sending under this worker's lease.
WITH due AS (
  SELECT o.id, o.recipient_id, o.channel, o.digest_day
    FROM reminder_outbox o
   WHERE (o.state = 'pending' AND o.next_attempt_at <= CAST(:now AS timestamptz))
      OR (o.state = 'sending' AND o.lease_until < CAST(:now AS timestamptz))
   ORDER BY o.next_attempt_at, o.id
     FOR UPDATE SKIP LOCKED
), digests AS (
  SELECT recipient_id, channel, digest_day FROM due
   GROUP BY recipient_id, channel, digest_day
   ORDER BY min(id)
   LIMIT :max_digests
)
UPDATE reminder_outbox o
   SET state = 'sending', attempts = o.attempts + 1, claimed_by = :worker,
       lease_until = CAST(:now AS timestamptz) + make_interval(secs => :lease_seconds)
  FROM due JOIN digests USING (recipient_id, channel, digest_day)
 WHERE o.id = due.id
RETURNING o.id
