INSERT INTO audit_event (entity_type, entity_id, action, actor, actor_grant, changes, comment, request_id)
VALUES (:entity_type, :entity_id, :action, :actor, :actor_grant, CAST(:changes AS jsonb), :comment, :request_id)
