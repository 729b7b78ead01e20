-- A department by its code, its Japanese name or one of its aliases, in that order of
-- preference. The key is bound once and read from a CTE (one bind name per occurrence).
WITH k AS (SELECT CAST(:key AS text) AS key)
SELECT d.id, d.code, d.name, d.kind, CAST(d.active AS integer)
  FROM department d, k
 WHERE d.code = k.key OR d.name = k.key OR k.key = ANY (d.aliases)
 ORDER BY (d.code = k.key) DESC, (d.name = k.key) DESC, d.id
 LIMIT 1
