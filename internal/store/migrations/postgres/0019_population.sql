-- 0019 population figures (PostgreSQL). Keep in step with ../sqlite/0019_population.sql.
-- The child population by division that the statistics bureau publishes (issue 18): the
-- denominators of the coverage tables. One row per division, reference year and source; a
-- re-import that changes a figure keeps the old row (superseded_at set) as its history. The
-- figures are aggregates, not personal data: nothing here is sealed.
CREATE TABLE population_figures (
    id            BIGSERIAL PRIMARY KEY,
    region_code   TEXT    COLLATE "C" NOT NULL,
    year          BIGINT NOT NULL,
    source        TEXT    NOT NULL,
    total         BIGINT NOT NULL,
    migrant       BIGINT,
    left_behind   BIGINT,
    male          BIGINT,
    female        BIGINT,
    ages          TEXT    NOT NULL DEFAULT '', -- counts by age group (population.AgeGroups), comma-separated, '' unpublished
    note          TEXT    NOT NULL DEFAULT '',
    file          TEXT    NOT NULL DEFAULT '',
    imported_by   TEXT    NOT NULL,
    imported_at   TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX population_figures_current ON population_figures (region_code, year, source) WHERE superseded_at IS NULL;
CREATE INDEX population_figures_year ON population_figures (year, region_code);
