UPDATE sheet
   SET grade = :grade, actions = :actions, results = :results, next_steps = :next_steps,
       state = :state, version = :version, last_actors = CAST(:last_actors AS jsonb), updated_at = now()
 WHERE id = :id AND version = :expected_version
