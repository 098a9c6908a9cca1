-- 003: SQLite's 017 for PostgreSQL: the customers' word on how it went.
-- One rating a ticket, good or bad, with the customer's comment; a later
-- one replaces it until the ticket closes (first_rated_at keeps when the
-- first came). What the reports group by is kept as it was when the
-- customer rated.

CREATE TABLE ratings (
    ticket_id bigint PRIMARY KEY REFERENCES tickets(id) DEFERRABLE,
    rating text COLLATE "C" NOT NULL CHECK (rating IN ('good', 'bad')),
    comment text COLLATE "C" NOT NULL DEFAULT '',
    rated_by text COLLATE "C" NOT NULL,                                  -- the requester or a participant, lower case
    answer text COLLATE "C" NOT NULL CHECK (answer IN ('auto', 'agent')), -- who answered: the FAQ responder or agents
    faq_key text COLLATE "C" NOT NULL DEFAULT '',                        -- the entry of an automatic answer
    tier bigint NOT NULL DEFAULT -1,                                     -- the tier that resolved it; -1 = none
    agent text COLLATE "C" NOT NULL DEFAULT '',                          -- who resolved it; '' = no agent
    priority text COLLATE "C" NOT NULL,
    type text COLLATE "C" NOT NULL,
    first_rated_at text COLLATE "C" NOT NULL,
    rated_at text COLLATE "C" NOT NULL
);
CREATE INDEX ratings_rated_at ON ratings(rated_at);
CREATE INDEX ratings_rating ON ratings(rating, ticket_id);
