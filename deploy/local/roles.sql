-- Database roles of the platform. deploy/local/stack.sh runs this at every start, as the cluster's superuser over
-- the unix socket, with the generated passwords as psql variables (pw_admin, pw_intake, ... pw_bi).
--
-- Each service logs in with its own role, owns the schemas it creates (CREATE on the database; its production
-- schema is made here, owned by it) and cannot read another's: a schema grants nothing to other roles. `bi_reader`
-- (BI tools) may only connect: reporting owns `bi` and grants it USAGE and SELECT there, and nowhere else.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', r)
  FROM unnest(ARRAY['ali_intake', 'ali_accompaniment', 'ali_placement', 'ali_reporting', 'bi_reader']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec

ALTER ROLE ali PASSWORD :'pw_admin';
ALTER ROLE ali_intake NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'pw_intake';
ALTER ROLE ali_accompaniment NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'pw_accompaniment';
ALTER ROLE ali_placement NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'pw_placement';
ALTER ROLE ali_reporting NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'pw_reporting';
ALTER ROLE bi_reader NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'pw_bi';
ALTER ROLE bi_reader SET default_transaction_read_only = on;

SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT, TEMPORARY, CREATE ON DATABASE %I TO ali_intake, ali_accompaniment, ali_placement,'
              ' ali_reporting', current_database()) \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO bi_reader', current_database()) \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- The production schemas, owned by their services. A schema made before the roles existed (by the superuser) is
-- handed over with everything in it.
DO $$
DECLARE
    owner_of CONSTANT jsonb := '{"intake": "ali_intake", "accompaniment": "ali_accompaniment",
                                 "placement": "ali_placement", "bi": "ali_reporting"}';
    s text;
    r text;
    obj record;
BEGIN
    FOR s, r IN SELECT key, value FROM jsonb_each_text(owner_of) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s) THEN
            EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', s, r);
        ELSIF (SELECT nspowner FROM pg_namespace WHERE nspname = s) <> r::regrole THEN
            RAISE NOTICE 'schema % handed over to %', s, r;
            EXECUTE format('ALTER SCHEMA %I OWNER TO %I', s, r);
            FOR obj IN
                SELECT c.relname, c.relkind FROM pg_class c
                 WHERE c.relnamespace = s::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                      AND d.deptype IN ('a', 'i'))
            LOOP
                EXECUTE format('ALTER %s %I.%I OWNER TO %I',
                               CASE obj.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                                WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                               s, obj.relname, r);
            END LOOP;
        END IF;
    END LOOP;
END
$$;
