-- Chinese names sort by pinyin with an ICU collation (the libc locales here are C only).
CREATE COLLATION IF NOT EXISTS zh_pinyin (provider = icu, locale = 'zh-u-co-pinyin');

-- Sessions for scs/pgxstore: they survive restarts and are shared by all replicas.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- A township (乡镇) owns every other record; one deployment serves a whole county.
CREATE TABLE townships (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    county     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE villages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint NOT NULL REFERENCES townships,
    name        text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, name),
    UNIQUE (township_id, id)
);

-- kind: party_committee 乡党委, government 乡政府, village_branch 村党支部,
-- village_committee 村委会, agency 乡直机关/站所. level is method.md §1.
CREATE TABLE organisations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id    bigint NOT NULL REFERENCES townships,
    name           text NOT NULL CHECK (btrim(name) <> ''),
    kind           text NOT NULL CHECK (kind IN ('party_committee','government','village_branch','village_committee','agency')),
    level          smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
    village_id     bigint,
    responsible_id bigint,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, name),
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, village_id) REFERENCES villages (township_id, id),
    CHECK ((kind IN ('village_branch','village_committee')) = (village_id IS NOT NULL))
);

CREATE TABLE people (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id     bigint NOT NULL REFERENCES townships,
    name            text NOT NULL CHECK (btrim(name) <> ''),
    position        text NOT NULL DEFAULT '',
    organisation_id bigint NOT NULL,
    level           smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
    village_cadre   boolean NOT NULL DEFAULT false,
    phone           text NOT NULL DEFAULT '',
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, id),
    UNIQUE (organisation_id, name),
    FOREIGN KEY (township_id, organisation_id) REFERENCES organisations (township_id, id)
);

ALTER TABLE organisations
    ADD FOREIGN KEY (township_id, responsible_id) REFERENCES people (township_id, id);

-- Rater categories: the built-in 三代表一委员 plus 党委委员, and office-defined ones.
-- default_group is where a new round puts the category (peer 同级互评 or public 公众评议).
CREATE TABLE rater_categories (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id   bigint NOT NULL REFERENCES townships,
    name          text NOT NULL CHECK (btrim(name) <> ''),
    code          text NOT NULL DEFAULT '',
    default_group text NOT NULL DEFAULT 'public' CHECK (default_group IN ('peer','public')),
    position      int NOT NULL DEFAULT 100,
    UNIQUE (township_id, name),
    UNIQUE (township_id, id)
);

CREATE TABLE raters (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint NOT NULL REFERENCES townships,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    category_id bigint NOT NULL,
    unit        text NOT NULL DEFAULT '',
    phone       text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, id),
    UNIQUE (category_id, name),
    FOREIGN KEY (township_id, category_id) REFERENCES rater_categories (township_id, id)
);

-- role: office 组织办, leader 党委领导, secretary 村书记 (scoped to one village).
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id   bigint NOT NULL REFERENCES townships,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{3,32}$'),
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('office','leader','secretary')),
    village_id    bigint,
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, village_id) REFERENCES villages (township_id, id),
    CHECK ((role = 'secretary') = (village_id IS NOT NULL))
);

-- Failed sign-ins, for throttling per account and per client address across replicas.
CREATE TABLE auth_failures (
    key text NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_key_at_idx ON auth_failures (key, at);
