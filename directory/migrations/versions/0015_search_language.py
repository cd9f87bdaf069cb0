"""PostgreSQL reads each listing's words in the listing's own language

Revision ID: 0015_search_language
Revises: 0014_followups
Create Date: 2026-12-06 02:30:00

Every listing's document was built with the 'english' text-search configuration, so a listing written in
Spanish was stemmed as English: "divorcio" did not find "divorciados", and Spanish stop words filled the
index. listings.search_config now holds each listing's configuration, from its languages: 'english' when
it is offered in English (or names no language), 'spanish' when in Spanish and not English, 'simple'
(no stemming, no stop words) for any other. A trigger on listing_languages keeps it in step, and the
stored document is built with it, plus one lexeme that names the configuration ('language spanish': no
visitor's words parse to a lexeme holding a space). The search reads the visitor's words in each
configuration, each reading joined to its lexeme, so a listing matches only in its own. The indexes over
the document are built again with it. SQLite
is unchanged: its FTS5 tokenizer already folds accents ("reunion" finds "reunión").
"""
from alembic import op

revision = '0015_search_language'
down_revision = '0014_followups'
branch_labels = None
depends_on = None

# This revision's own values: the models and the search may change later, this revision may not.
TEXT = ("coalesce(name, '') || ' ' || coalesce(summary, '') || ' ' || coalesce(description, '') || ' ' || "
        "coalesce(experience, '') || ' ' || coalesce(city, '')")
MARKED = (f"to_tsvector(search_config, {TEXT}) || CASE search_config "
          "WHEN 'pg_catalog.english'::regconfig THEN '''language english'''::tsvector "
          "WHEN 'pg_catalog.spanish'::regconfig THEN '''language spanish'''::tsvector "
          "ELSE '''language simple'''::tsvector END")
IN_PERSON = "status = 'published' AND format IN ('in_person', 'hybrid')"
ONLINE = "status = 'published' AND format IN ('online', 'hybrid')"
INDEXES = [
    f'CREATE INDEX ix_listings_in_person_point_words ON listings USING GIST (search_point, search_vector) WHERE {IN_PERSON}',
    f'CREATE INDEX ix_listings_online_point_words ON listings USING GIST (search_point, search_vector) WHERE {ONLINE}',
    f'CREATE INDEX ix_listings_online_words ON listings USING GIN (search_vector, search_facets) WHERE {ONLINE}',
]

CONFIG_FUNCTION = (
    'CREATE FUNCTION listing_search_config(listing integer) RETURNS regconfig LANGUAGE sql STABLE AS $$ '
    "SELECT CASE WHEN count(*) = 0 OR bool_or(code = 'en') THEN 'pg_catalog.english' "
    "WHEN bool_or(code = 'es') THEN 'pg_catalog.spanish' ELSE 'pg_catalog.simple' END::regconfig "
    'FROM listing_languages WHERE listing_id = listing $$'
)
REFRESH_FUNCTION = (
    'CREATE FUNCTION listing_languages_refresh_config() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
    "IF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE listings SET search_config = listing_search_config(OLD.listing_id) "
    'WHERE id = OLD.listing_id AND search_config <> listing_search_config(OLD.listing_id); END IF; '
    "IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE listings SET search_config = listing_search_config(NEW.listing_id) "
    'WHERE id = NEW.listing_id AND search_config <> listing_search_config(NEW.listing_id); END IF; '
    'RETURN NULL; END $$'
)
UPGRADE = [
    "ALTER TABLE listings ADD COLUMN search_config regconfig NOT NULL DEFAULT 'pg_catalog.english'::regconfig",
    CONFIG_FUNCTION,
    REFRESH_FUNCTION,
    'CREATE TRIGGER listing_languages_config AFTER INSERT OR UPDATE OR DELETE ON listing_languages '
    'FOR EACH ROW EXECUTE FUNCTION listing_languages_refresh_config()',
    'UPDATE listings SET search_config = listing_search_config(id) WHERE search_config <> listing_search_config(id)',
    # Dropping the document drops the indexes over it; they are built again over the new one.
    'ALTER TABLE listings DROP COLUMN search_vector',
    f'ALTER TABLE listings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({MARKED}) STORED',
    *INDEXES,
]
DOWNGRADE = [
    'ALTER TABLE listings DROP COLUMN search_vector',
    f"ALTER TABLE listings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english', {TEXT})) STORED",
    *INDEXES,
    'DROP TRIGGER listing_languages_config ON listing_languages',
    'DROP FUNCTION listing_languages_refresh_config()',
    'DROP FUNCTION listing_search_config(integer)',
    'ALTER TABLE listings DROP COLUMN search_config',
]


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for statement in DOWNGRADE:
        op.execute(statement)
