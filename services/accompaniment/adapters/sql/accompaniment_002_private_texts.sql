-- Free text left the read models with the events' version 2: workshop titles are kept encrypted in
-- private_texts (shared/sql/private_texts.sql), under the reference text_ref(session_id, 'title').
SELECT pg_advisory_xact_lock(hashtext('ali-migrate-{schema}-read-models'));
ALTER TABLE {schema}.workshop_sessions DROP COLUMN IF EXISTS title;
