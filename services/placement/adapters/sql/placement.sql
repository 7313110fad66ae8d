CREATE TABLE IF NOT EXISTS {schema}.employers (
    employer_id     uuid    PRIMARY KEY,
    siret           text    NOT NULL UNIQUE,
    name            text    NOT NULL,
    size            text    NOT NULL,
    sector          text    NOT NULL,
    social_economy  boolean NOT NULL,
    siae            boolean NOT NULL,
    commune_code    text    NOT NULL
);
