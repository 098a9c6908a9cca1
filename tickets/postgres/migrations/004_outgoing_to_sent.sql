-- 004: SQLite's index of 018 for the robot check (last_sent_to): the last
-- mail sent to an address, newest first, without reading every mail it
-- was sent in the window.

CREATE INDEX outgoing_to_sent ON outgoing(to_addr, sent_at);
