-- 013: the customers' word on how it went. One rating a ticket, good or
-- bad, with the customer's comment; a later one replaces it until the
-- ticket closes (first_rated_at keeps when the first came). What the
-- reports group by is kept as it was when the customer rated: whether an
-- automatic answer or agents answered, the tier and the agent that
-- resolved it, the priority and the type.

CREATE TABLE ratings (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    rating TEXT NOT NULL CHECK (rating IN ('good', 'bad')),
    comment TEXT NOT NULL DEFAULT '',
    rated_by TEXT NOT NULL,                                  -- the requester or a participant, lower case
    answer TEXT NOT NULL CHECK (answer IN ('auto', 'agent')), -- who answered: the FAQ responder or agents
    faq_key TEXT NOT NULL DEFAULT '',                        -- the entry of an automatic answer
    tier INTEGER NOT NULL DEFAULT -1,                        -- the tier that resolved it; -1 = none
    agent TEXT NOT NULL DEFAULT '',                          -- who resolved it; '' = no agent
    priority TEXT NOT NULL,
    type TEXT NOT NULL,
    first_rated_at TEXT NOT NULL,
    rated_at TEXT NOT NULL
);
-- The reports read the ratings given in a range; tickets list --rating
-- finds the tickets of one rating.
CREATE INDEX ratings_rated_at ON ratings(rated_at);
CREATE INDEX ratings_rating ON ratings(rating, ticket_id);
