-- What a claimed row's message needs, as one JSON document per row.
SELECT CAST(jsonb_build_object(
         'id', o.id, 'recipient_id', o.recipient_id, 'login', u.login, 'display_name', u.display_name,
         'email', u.email, 'channel', o.channel, 'sheet_id', o.sheet_id, 'sheet_no', s.sheet_no,
         'year', s.fiscal_year, 'sheet_state', o.sheet_state, 'grade', s.grade,
         'departments', (SELECT coalesce(jsonb_agg(d.name ORDER BY x.ord), CAST('[]' AS jsonb))
                           FROM unnest(s.department_order) WITH ORDINALITY AS x(id, ord) JOIN department d ON d.id = x.id),
         'measure', m.title,
         'business_days_pending', o.business_days_pending, 'reminder_number', o.reminder_number,
         'rule', o.rule, 'period', o.period, 'stands_in_for', o.stands_in_for,
         'digest_day', to_char(o.digest_day, 'YYYY-MM-DD'), 'attempts', o.attempts) AS text)
  FROM reminder_outbox o
  JOIN app_user u ON u.id = o.recipient_id
  JOIN sheet s ON s.id = o.sheet_id
  JOIN measure m ON m.id = s.measure_id
 WHERE o.id = ANY (CAST(:ids AS bigint[]))
 ORDER BY o.recipient_id, o.channel, o.digest_day, s.fiscal_year, s.sheet_no, o.rule
