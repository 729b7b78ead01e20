UPDATE fiscal_year
   SET state = :state, closed_at = CASE WHEN :state = 'closed' THEN now() ELSE NULL END
 WHERE year = :year AND state <> :state
