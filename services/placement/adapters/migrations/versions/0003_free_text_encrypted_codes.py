"""Free text leaves placement's read models (kept encrypted in private_texts); sectors, aptitudes and work
constraints are referential codes (events v2).
"""

# ruff: noqa: E501 - SQL lists of codes
from shared.migrations import sql_revision

revision = "0003"
down_revision = "0002"
upgrade, downgrade = sql_revision(
    """
        -- Free text left placement's read models with the events' version 2 (see shared/contracts/legacy.py): employer
        -- names, contact notes, need titles and tasks, training centres' names are kept encrypted in private_texts
        -- (shared/migrations/private_texts) under text_ref(<item id>, <field>); sectors, aptitudes and work constraints
        -- are referential codes. Rows written before are brought to the codes the upcasters give their events.

        ALTER TABLE {schema}.employers DROP COLUMN IF EXISTS name;
        ALTER TABLE {schema}.employer_contacts DROP COLUMN IF EXISTS notes;
        ALTER TABLE {schema}.needs DROP COLUMN IF EXISTS title;
        ALTER TABLE {schema}.needs DROP COLUMN IF EXISTS tasks;
        ALTER TABLE {schema}.immersions DROP COLUMN IF EXISTS host_name;
        ALTER TABLE {schema}.employers ALTER COLUMN sector DROP NOT NULL;
        ALTER TABLE {schema}.needs ALTER COLUMN sector DROP NOT NULL;
        ALTER TABLE {schema}.introductions ALTER COLUMN sector DROP NOT NULL;
        ALTER TABLE {schema}.hires ALTER COLUMN sector DROP NOT NULL;

        ALTER TABLE {schema}.candidates RENAME COLUMN health_restrictions TO work_constraints;

        CREATE TEMPORARY TABLE legacy_sectors (value text PRIMARY KEY, code text NOT NULL) ON COMMIT DROP;
        INSERT INTO legacy_sectors VALUES
            ('a', 'A'),
            ('b', 'B'),
            ('c', 'C'),
            ('d', 'D'),
            ('e', 'E'),
            ('f', 'F'),
            ('g', 'G'),
            ('h', 'H'),
            ('i', 'I'),
            ('j', 'J'),
            ('k', 'K'),
            ('l', 'L'),
            ('m', 'M'),
            ('n', 'N'),
            ('o', 'O'),
            ('p', 'P'),
            ('q', 'Q'),
            ('r', 'R'),
            ('s', 'S'),
            ('t', 'T'),
            ('u', 'U'),
            ('logistics', 'H'),
            ('logistique', 'H'),
            ('transport', 'H'),
            ('transports', 'H'),
            ('warehousing', 'H'),
            ('cleaning', 'N'),
            ('nettoyage', 'N'),
            ('propreté', 'N'),
            ('security', 'N'),
            ('sécurité', 'N'),
            ('green_spaces', 'N'),
            ('espaces_verts', 'N'),
            ('catering', 'I'),
            ('restauration', 'I'),
            ('hospitality', 'I'),
            ('hôtellerie', 'I'),
            ('retail', 'G'),
            ('food_retail', 'G'),
            ('commerce', 'G'),
            ('construction', 'F'),
            ('btp', 'F'),
            ('bâtiment', 'F'),
            ('personal_services', 'Q'),
            ('services_à_la_personne', 'Q'),
            ('care', 'Q'),
            ('health', 'Q'),
            ('santé', 'Q'),
            ('manufacturing', 'C'),
            ('industry', 'C'),
            ('industrie', 'C'),
            ('agriculture', 'A'),
            ('education', 'P'),
            ('public_administration', 'O'),
            ('digital', 'J')
        ON CONFLICT DO NOTHING;
        CREATE TEMPORARY TABLE legacy_work_constraints (value text PRIMARY KEY, code text NOT NULL) ON COMMIT DROP;
        INSERT INTO legacy_work_constraints VALUES
            ('no_heavy_lifting', 'no_heavy_lifting'),
            ('no_prolonged_standing', 'no_prolonged_standing'),
            ('no_outdoor_work', 'no_outdoor_work'),
            ('no_night_work', 'no_night_work'),
            ('no_driving', 'no_driving'),
            ('no_weekend_work', 'no_weekend_work'),
            ('no_cold_environment', 'no_cold_environment'),
            ('no_repetitive_movements', 'no_repetitive_movements'),
            ('no_work_at_height', 'no_work_at_height'),
            ('part_time_only', 'part_time_only'),
            ('adapted_workstation', 'adapted_workstation'),
            ('no_standing', 'no_prolonged_standing'),
            ('no_outdoor', 'no_outdoor_work'),
            ('no_driving_required', 'no_driving'),
            ('no_carrying', 'no_heavy_lifting'),
            ('no_load_carrying', 'no_heavy_lifting'),
            ('no_lifting', 'no_heavy_lifting'),
            ('no_night', 'no_night_work'),
            ('no_night_shifts', 'no_night_work'),
            ('no_weekend', 'no_weekend_work'),
            ('no_cold', 'no_cold_environment'),
            ('no_repetitive_work', 'no_repetitive_movements'),
            ('no_heights', 'no_work_at_height')
        ON CONFLICT DO NOTHING;

        -- Free-form sectors: the NAF section they name, else unknown (NULL); codes stay as they are.
        UPDATE {schema}.employers t SET sector = (SELECT code FROM legacy_sectors WHERE value = lower(trim(t.sector)))
            WHERE sector IS NOT NULL AND sector !~ '^[A-U]$';
        UPDATE {schema}.needs t SET sector = (SELECT code FROM legacy_sectors WHERE value = lower(trim(t.sector)))
            WHERE sector IS NOT NULL AND sector !~ '^[A-U]$';
        UPDATE {schema}.introductions t SET sector = (SELECT code FROM legacy_sectors WHERE value = lower(trim(t.sector)))
            WHERE sector IS NOT NULL AND sector !~ '^[A-U]$';
        UPDATE {schema}.hires t SET sector = (SELECT code FROM legacy_sectors WHERE value = lower(trim(t.sector)))
            WHERE sector IS NOT NULL AND sector !~ '^[A-U]$';
        UPDATE {schema}.immersions t SET sector = (SELECT code FROM legacy_sectors WHERE value = lower(trim(t.sector)))
            WHERE sector IS NOT NULL AND sector !~ '^[A-U]$';
        -- Candidates: codes only, free-form values that name no code left out (rows holding codes only are untouched).
        UPDATE {schema}.candidates t SET
            wished_sectors = ARRAY(SELECT DISTINCT s.code FROM unnest(t.wished_sectors) w
                                   JOIN legacy_sectors s ON s.value = lower(trim(w)) ORDER BY 1),
            work_constraints = ARRAY(SELECT DISTINCT c.code FROM unnest(t.work_constraints) w
                                     JOIN legacy_work_constraints c ON c.value = lower(trim(w)) ORDER BY 1),
            aptitudes = ARRAY(SELECT DISTINCT lower(trim(a)) FROM unnest(t.aptitudes) a
                              WHERE lower(trim(a)) = ANY(ARRAY['handling', 'order_picking', 'sorting', 'stock_keeping', 'cleaning', 'gardening', 'maintenance', 'cooking', 'food_service', 'customer_contact', 'reception', 'phone_handling', 'cash_handling', 'data_entry', 'driving', 'care', 'childcare', 'teamwork', 'autonomy', 'punctuality', 'rigour', 'manual_dexterity', 'physical_endurance', 'oral_communication']::text[]) ORDER BY 1)
            WHERE NOT (t.aptitudes <@ ARRAY['handling', 'order_picking', 'sorting', 'stock_keeping', 'cleaning', 'gardening', 'maintenance', 'cooking', 'food_service', 'customer_contact', 'reception', 'phone_handling', 'cash_handling', 'data_entry', 'driving', 'care', 'childcare', 'teamwork', 'autonomy', 'punctuality', 'rigour', 'manual_dexterity', 'physical_endurance', 'oral_communication']::text[])
               OR NOT (t.work_constraints <@ ARRAY['no_heavy_lifting', 'no_prolonged_standing', 'no_outdoor_work', 'no_night_work', 'no_driving', 'no_weekend_work', 'no_cold_environment', 'no_repetitive_movements', 'no_work_at_height', 'part_time_only', 'adapted_workstation']::text[])
               OR NOT (t.wished_sectors <@ ARRAY['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U']::text[]);
        UPDATE {schema}.needs t SET
            required_aptitudes = ARRAY(SELECT DISTINCT lower(trim(a)) FROM unnest(t.required_aptitudes) a
                                       WHERE lower(trim(a)) = ANY(ARRAY['handling', 'order_picking', 'sorting', 'stock_keeping', 'cleaning', 'gardening', 'maintenance', 'cooking', 'food_service', 'customer_contact', 'reception', 'phone_handling', 'cash_handling', 'data_entry', 'driving', 'care', 'childcare', 'teamwork', 'autonomy', 'punctuality', 'rigour', 'manual_dexterity', 'physical_endurance', 'oral_communication']::text[]) ORDER BY 1)
            WHERE NOT (t.required_aptitudes <@ ARRAY['handling', 'order_picking', 'sorting', 'stock_keeping', 'cleaning', 'gardening', 'maintenance', 'cooking', 'food_service', 'customer_contact', 'reception', 'phone_handling', 'cash_handling', 'data_entry', 'driving', 'care', 'childcare', 'teamwork', 'autonomy', 'punctuality', 'rigour', 'manual_dexterity', 'physical_endurance', 'oral_communication']::text[]);
        """,
)
