-- The sheets that may be pending C-grade items: of an open year, not retired, not in the
-- workflow's final state, graded "under study" or ungraded after an under-study year. The
-- reminder rules decide the rest. One JSON document per sheet: departments in the sheet's order.
SELECT s.id, s.sheet_no, s.fiscal_year, s.state, s.grade, s.previous_grade,
       to_char(s.state_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       CAST((SELECT coalesce(jsonb_agg(jsonb_build_array(d.code, d.name) ORDER BY o.ord), CAST('[]' AS jsonb))
                FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord) JOIN department d ON d.id = o.id) AS text)
  FROM sheet s
  JOIN fiscal_year y ON y.year = s.fiscal_year AND y.state = 'open'
 WHERE NOT s.retired
   AND s.state <> :final_state
   AND (EXISTS (SELECT 1 FROM plan_grade g WHERE g.plan_id = s.plan_id AND g.code = s.grade AND g.under_study)
        OR (s.grade IS NULL
            AND EXISTS (SELECT 1 FROM plan_grade g WHERE g.plan_id = s.plan_id AND g.code = s.previous_grade AND g.under_study)))
 ORDER BY s.fiscal_year, s.sheet_no
