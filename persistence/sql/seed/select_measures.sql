-- One row per measure with its details aggregated as array literals.
SELECT m.key, p.key, coalesce(f.key, ''), m.number, m.title, m.plan_page, coalesce(r.key, ''),
       CAST(coalesce((SELECT array_agg(d.name ORDER BY md.position)
                        FROM measure_department md JOIN department d ON d.id = md.department_id
                       WHERE md.measure_id = m.id), '{}') AS text),
       CAST(coalesce((SELECT array_agg(mm.fiscal_year ORDER BY mm.fiscal_year)
                        FROM measure_milestone mm WHERE mm.measure_id = m.id), '{}') AS text),
       CAST(coalesce((SELECT array_agg(mm.milestone ORDER BY mm.fiscal_year)
                        FROM measure_milestone mm WHERE mm.measure_id = m.id), '{}') AS text),
       CAST(coalesce((SELECT array_agg(ms.sheet_no ORDER BY ms.sheet_no)
                        FROM measure_sheet_no ms WHERE ms.measure_id = m.id), '{}') AS text),
       CAST(m.schedule_ambiguous AS integer), CAST(m.incomplete AS integer)
  FROM measure m
  JOIN policy p ON p.id = m.policy_id
  LEFT JOIN focus f ON f.id = m.focus_id
  LEFT JOIN measure r ON r.id = m.relisted_from_id
 WHERE m.plan_id = :plan_id
 ORDER BY m.position
