-- ecustoms schema: every table and index of every module, for every engine, in one place.
--
-- Read by src/store/schema.c (embedded into the binary at build time) and applied by
-- `ecustoms db migrate`, which `serve` and every command that opens a database also run.
--
-- Format
--   -- migration N: TITLE     starts migration N (1, 2, 3, ... in order). A database records the
--                            migrations applied to it in schema_version; its version is the
--                            highest. Pending migrations run in one transaction. A released
--                            migration is never edited: a schema change is a new migration.
--   -- engine: NAME           the next statement runs only on the driver named NAME
--                            (db_driver.name: sqlite, postgresql); without it, on every engine.
--   A statement ends with ';' at the end of a line; '--' lines are comments. No ';' inside
--   string literals.
--
-- Portable SQL only in untagged statements: TEXT, INTEGER (32-bit values: dates as YYYYMMDD,
-- small codes), BIGINT (instants in microseconds or seconds, money in VND, ids); explicit primary
-- keys; no triggers, no AUTOINCREMENT, no SQLite type affinity tricks, no partial indexes.

-- migration 1: baseline (the schema of every release before versions, adopted as it is)
CREATE TABLE IF NOT EXISTS parties (
  tax_code TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, aeo INTEGER NOT NULL,
  compliance INTEGER NOT NULL, overdue_debt_days INTEGER NOT NULL, kind TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  token_hash TEXT PRIMARY KEY, party TEXT NOT NULL REFERENCES parties(tax_code),
  role TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS exchange_rates (
  currency TEXT NOT NULL, valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,
  vnd_per_unit BIGINT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (currency, valid_from));
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
-- e-Permit and C/O (store_permits.c)
CREATE TABLE IF NOT EXISTS agency_bindings (party TEXT NOT NULL, agency TEXT NOT NULL,
  PRIMARY KEY (party, agency));
CREATE TABLE IF NOT EXISTS permits (
  number TEXT PRIMARY KEY, agency TEXT NOT NULL, issuer TEXT NOT NULL,
  enterprise TEXT NOT NULL, procedure_ref TEXT NOT NULL, hs_codes TEXT NOT NULL,
  quantity BIGINT NOT NULL, unit TEXT NOT NULL, used BIGINT NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL, revoked_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS co_usages (decl_id TEXT NOT NULL, line INTEGER NOT NULL,
  co_number TEXT NOT NULL, idx INTEGER NOT NULL, quantity BIGINT NOT NULL,
  PRIMARY KEY (decl_id, line));
CREATE TABLE IF NOT EXISTS permit_usages (
  permit TEXT NOT NULL, decl_id TEXT NOT NULL, line INTEGER NOT NULL, agency TEXT NOT NULL,
  quantity BIGINT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (decl_id, line, permit));
CREATE TABLE IF NOT EXISTS certificates_of_origin (
  number TEXT PRIMARY KEY, form TEXT NOT NULL, issuing_country TEXT NOT NULL,
  issue_date INTEGER NOT NULL, exporter TEXT NOT NULL, importer TEXT NOT NULL,
  invoice_number TEXT NOT NULL, transport_ref TEXT NOT NULL, issuer TEXT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS co_items (
  co_number TEXT NOT NULL, idx INTEGER NOT NULL, hs6 TEXT NOT NULL, quantity BIGINT NOT NULL,
  used BIGINT NOT NULL, fob_value BIGINT NOT NULL, origin_criterion TEXT NOT NULL,
  PRIMARY KEY (co_number, idx));
-- declarations, their versions and audit events (store.c)
CREATE TABLE IF NOT EXISTS declarations (
  id TEXT PRIMARY KEY, number TEXT UNIQUE, kind INTEGER NOT NULL, type_code TEXT NOT NULL,
  status INTEGER NOT NULL, channel INTEGER NOT NULL, amendment INTEGER NOT NULL,
  declarant TEXT NOT NULL, party TEXT NOT NULL, office TEXT NOT NULL,
  customs_value BIGINT NOT NULL, total_tax BIGINT NOT NULL, tax_date INTEGER NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, registered_at BIGINT NOT NULL,
  cleared_at BIGINT NOT NULL, doc TEXT NOT NULL, taxes TEXT NOT NULL, risk TEXT,
  decisions TEXT);
CREATE INDEX IF NOT EXISTS declarations_status ON declarations(status, registered_at);
CREATE INDEX IF NOT EXISTS declarations_party ON declarations(party);
CREATE TABLE IF NOT EXISTS declaration_versions (
  decl_id TEXT NOT NULL, amendment INTEGER NOT NULL, doc TEXT NOT NULL, taxes TEXT NOT NULL,
  replaced_at BIGINT NOT NULL, PRIMARY KEY (decl_id, amendment));
CREATE TABLE IF NOT EXISTS events (
  decl_id TEXT NOT NULL, seq INTEGER NOT NULL, at BIGINT NOT NULL, actor TEXT NOT NULL,
  role TEXT NOT NULL, action TEXT NOT NULL, from_status INTEGER NOT NULL,
  to_status INTEGER NOT NULL, detail TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
  PRIMARY KEY (decl_id, seq));
CREATE TABLE IF NOT EXISTS idempotency (
  party TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, status INTEGER NOT NULL,
  response TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (party, key));
CREATE TABLE IF NOT EXISTS risk_rules (
  id BIGINT PRIMARY KEY, name TEXT NOT NULL, hs_prefix TEXT NOT NULL, origin TEXT NOT NULL,
  importer TEXT NOT NULL, declarant TEXT NOT NULL, type_code TEXT NOT NULL,
  office TEXT NOT NULL, shipper TEXT NOT NULL, min_value_vnd BIGINT NOT NULL,
  max_unit_value_vnd BIGINT NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL, action INTEGER NOT NULL,
  priority INTEGER NOT NULL, active INTEGER NOT NULL);
-- e-Manifest and VASSCM (store_manifest.c)
CREATE TABLE IF NOT EXISTS operator_locations (
  party TEXT NOT NULL, location TEXT NOT NULL, PRIMARY KEY (party, location));
CREATE TABLE IF NOT EXISTS manifests (
  id TEXT PRIMARY KEY, carrier TEXT NOT NULL, version INTEGER NOT NULL, mode TEXT NOT NULL,
  port TEXT NOT NULL, eta BIGINT NOT NULL, late INTEGER NOT NULL, created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS manifest_versions (
  manifest_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL,
  replaced_at BIGINT NOT NULL, PRIMARY KEY (manifest_id, version));
CREATE TABLE IF NOT EXISTS manifest_bls (
  bl TEXT PRIMARY KEY, manifest_id TEXT NOT NULL, port TEXT NOT NULL,
  packages BIGINT NOT NULL, gross_weight BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS manifest_bls_manifest ON manifest_bls(manifest_id);
CREATE TABLE IF NOT EXISTS manifest_containers (
  container TEXT NOT NULL, bl TEXT NOT NULL, manifest_id TEXT NOT NULL, seal TEXT NOT NULL,
  PRIMARY KEY (container, bl));
CREATE INDEX IF NOT EXISTS manifest_containers_bl ON manifest_containers(bl);
CREATE INDEX IF NOT EXISTS manifest_containers_manifest ON manifest_containers(manifest_id);
CREATE TABLE IF NOT EXISTS declaration_bls (
  bl TEXT NOT NULL, decl_id TEXT NOT NULL, PRIMARY KEY (bl, decl_id));
CREATE INDEX IF NOT EXISTS declaration_bls_decl ON declaration_bls(decl_id);
CREATE TABLE IF NOT EXISTS gate_events (
  id BIGINT PRIMARY KEY, container TEXT NOT NULL, type TEXT NOT NULL, location TEXT NOT NULL,
  seal TEXT NOT NULL, operator TEXT NOT NULL, manifest_id TEXT NOT NULL, at BIGINT NOT NULL,
  decision TEXT NOT NULL, reasons TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS gate_events_container ON gate_events(container, id);
CREATE TABLE IF NOT EXISTS holds (
  id BIGINT PRIMARY KEY, subject TEXT NOT NULL, reason TEXT NOT NULL, opened_by TEXT NOT NULL,
  opened_at BIGINT NOT NULL, released_by TEXT NOT NULL, released_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS holds_subject ON holds(subject, released_at);
-- e-Payment: bank keys, ledger, payments, guarantees, credit refunds (store_payments.c)
CREATE TABLE IF NOT EXISTS bank_keys (
  party TEXT PRIMARY KEY REFERENCES parties(tax_code), public_key TEXT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_entries (
  decl_id TEXT NOT NULL, seq INTEGER NOT NULL, at BIGINT NOT NULL, kind TEXT NOT NULL,
  amount BIGINT NOT NULL, party TEXT NOT NULL, bank TEXT NOT NULL, bank_txn TEXT NOT NULL,
  note TEXT NOT NULL, due INTEGER NOT NULL, PRIMARY KEY (decl_id, seq));
-- (party, kind, at): an enterprise's credit (kind) and its debts older than a day (at);
-- it replaced ledger_entries_party (party) of older databases
DROP INDEX IF EXISTS ledger_entries_party;
CREATE INDEX IF NOT EXISTS ledger_entries_party_at ON ledger_entries(party, kind, at);
CREATE INDEX IF NOT EXISTS ledger_entries_bank ON ledger_entries(bank, kind);
CREATE TABLE IF NOT EXISTS payments (
  bank TEXT NOT NULL, bank_txn TEXT NOT NULL, request_hash TEXT NOT NULL,
  kind TEXT NOT NULL, payer TEXT NOT NULL, paid_at TEXT NOT NULL, total BIGINT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (bank, bank_txn));
CREATE INDEX IF NOT EXISTS payments_bank_day ON payments(bank, created_at);
CREATE TABLE IF NOT EXISTS guarantees (
  bank TEXT NOT NULL, guarantee_id TEXT NOT NULL, type TEXT NOT NULL, enterprise TEXT NOT NULL,
  amount BIGINT NOT NULL, valid_until INTEGER NOT NULL, created_at BIGINT NOT NULL,
  PRIMARY KEY (bank, guarantee_id));
CREATE TABLE IF NOT EXISTS guarantee_declarations (
  bank TEXT NOT NULL, guarantee_id TEXT NOT NULL, seq INTEGER NOT NULL, decl_id TEXT NOT NULL,
  PRIMARY KEY (bank, guarantee_id, seq));
CREATE TABLE IF NOT EXISTS credit_refunds (
  id BIGINT PRIMARY KEY, party TEXT NOT NULL, amount BIGINT NOT NULL, status TEXT NOT NULL,
  reason TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at BIGINT NOT NULL,
  decided_by TEXT NOT NULL, decided_at BIGINT NOT NULL, note TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS credit_refunds_party ON credit_refunds(party, id);
-- learned selectivity: one risk_facts row per declaration, its items' facts encoded in one text
-- column (a registration writes one row, not one per item: docs/performance.md) (store_risk.c)
CREATE TABLE IF NOT EXISTS risk_facts (
  decl_id TEXT PRIMARY KEY, registered_at BIGINT NOT NULL, items INTEGER NOT NULL,
  facts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS risk_outcomes (
  decl_id TEXT PRIMARY KEY, at BIGINT NOT NULL, violation INTEGER NOT NULL,
  critical INTEGER NOT NULL, additional_tax BIGINT NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS risk_models (
  version BIGINT PRIMARY KEY, created_at BIGINT NOT NULL, train_from BIGINT NOT NULL,
  train_to BIGINT NOT NULL, rows_trained BIGINT NOT NULL, active INTEGER NOT NULL,
  features TEXT NOT NULL, metrics TEXT NOT NULL, params TEXT NOT NULL, model TEXT NOT NULL);

-- migration 2: lists of declarations by declarant, enterprise and office for a period; idempotency retention
-- A declarant's, an enterprise's or an office's declarations of one day (the web portal's
-- GET /api/v1/declarations?office=&from=&to=): one index range each, newest last, instead of a
-- scan of every declaration the party or office ever lodged. (party, registered_at) also serves
-- the lookups by party alone that declarations_party served.
CREATE INDEX IF NOT EXISTS declarations_declarant_at ON declarations(declarant, registered_at);
CREATE INDEX IF NOT EXISTS declarations_party_at ON declarations(party, registered_at);
CREATE INDEX IF NOT EXISTS declarations_office_at ON declarations(office, registered_at);
DROP INDEX IF EXISTS declarations_party;
-- Idempotency keys are kept 48 hours (docs/storage.md): the sweep deletes by age.
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency(created_at);

-- migration 3: specialised inspection and amendment review (issue 14; store_inspection.c)
-- the procedures a registered declaration's items still owe: ONE row per declaration (a
-- registration writes one row, not one per item: docs/performance.md), one line per procedure
-- "line TAB legal_ref TAB agency TAB stage TAB hs_code TAB status"; written at IDC, rewritten by
-- an amendment or a result
CREATE TABLE inspection_owed (
  decl_id TEXT PRIMARY KEY, owed TEXT NOT NULL, at BIGINT NOT NULL);
-- the after_clearance ones again, one row each, for the agency's list of obligations
CREATE TABLE inspection_obligations (
  decl_id TEXT NOT NULL, line INTEGER NOT NULL, legal_ref TEXT NOT NULL, agency TEXT NOT NULL,
  hs_code TEXT NOT NULL, status TEXT NOT NULL, at BIGINT NOT NULL,
  PRIMARY KEY (decl_id, line, legal_ref));
CREATE INDEX inspection_obligations_agency ON inspection_obligations(agency, at);
-- results recorded by agencies (or referenced by a declarant: referenced = 1)
CREATE TABLE inspection_results (
  id BIGINT PRIMARY KEY, decl_id TEXT NOT NULL, line INTEGER NOT NULL, legal_ref TEXT NOT NULL,
  agency TEXT NOT NULL, enterprise TEXT NOT NULL, hs_code TEXT NOT NULL, result TEXT NOT NULL,
  certificate TEXT NOT NULL, issued INTEGER NOT NULL, recorded_by TEXT NOT NULL,
  role TEXT NOT NULL, referenced INTEGER NOT NULL, note TEXT NOT NULL, at BIGINT NOT NULL);
CREATE INDEX inspection_results_decl ON inspection_results(decl_id, line);
CREATE INDEX inspection_results_cert ON inspection_results(certificate);
-- goods released for storage at the owner's premises pending results (Decree 08/2015 Art. 32)
CREATE TABLE storage_releases (
  decl_id TEXT PRIMARY KEY, address TEXT NOT NULL, decided_by TEXT NOT NULL, at BIGINT NOT NULL);
-- every amendment with its risk assessment; those under review wait here (status
-- amendment_review, then accepted or rejected; applied when it needed no review)
CREATE TABLE amendment_requests (
  decl_id TEXT NOT NULL, seq INTEGER NOT NULL, amendment INTEGER NOT NULL, status TEXT NOT NULL,
  doc TEXT NOT NULL, taxes TEXT NOT NULL, customs_value BIGINT NOT NULL, total_tax BIGINT NOT NULL,
  risk TEXT NOT NULL, after_clearance INTEGER NOT NULL, requested_by TEXT NOT NULL,
  requested_at BIGINT NOT NULL, decided_by TEXT NOT NULL, decided_at BIGINT NOT NULL,
  note TEXT NOT NULL, PRIMARY KEY (decl_id, seq));
CREATE INDEX amendment_requests_status ON amendment_requests(status, requested_at);
-- a refund claim raised by an accepted amendment names its declaration's number ('' otherwise)
ALTER TABLE credit_refunds ADD COLUMN declaration TEXT NOT NULL DEFAULT '';
-- migration 4: keyed audit trail (issue 15 #2: global chain, state digest, extra fields) and officers' permissions to put a container on a second carrier's manifest (issue 15 #1)
-- events written before this migration keep gseq NULL: they stay verifiable as the SHA-256
-- chain they were written as (store_audit.c, legacy_hash)
ALTER TABLE events ADD COLUMN gseq BIGINT;
ALTER TABLE events ADD COLUMN gprev TEXT;
ALTER TABLE events ADD COLUMN state TEXT;
ALTER TABLE events ADD COLUMN extra TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS events_gseq ON events(gseq);
CREATE TABLE IF NOT EXISTS container_permissions (
  id BIGINT PRIMARY KEY, container TEXT NOT NULL, carrier TEXT NOT NULL, reason TEXT NOT NULL,
  granted_by TEXT NOT NULL, granted_at BIGINT NOT NULL, used_by_manifest TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS container_permissions_ctr ON container_permissions(container, carrier);
-- migration 5: mandates — a declarant acts for an enterprise only under a mandate the enterprise granted (issue 15 #5)
CREATE TABLE IF NOT EXISTS mandates (
  id BIGINT PRIMARY KEY, enterprise TEXT NOT NULL, declarant TEXT NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL, granted_by TEXT NOT NULL,
  granted_at BIGINT NOT NULL, revoked_by TEXT NOT NULL, revoked_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS mandates_pair ON mandates(enterprise, declarant);
-- migration 6: a selection sticks to the consignment — cancelling a declaration sent to yellow or red records its goods (importer + invoice number, importer + bill of lading) with the channel, and re-registering them inherits it (issue 15 #7)
CREATE TABLE IF NOT EXISTS consignment_selections (
  importer TEXT NOT NULL, ref_kind TEXT NOT NULL, ref TEXT NOT NULL, decl_id TEXT NOT NULL,
  number TEXT NOT NULL, channel INTEGER NOT NULL, at BIGINT NOT NULL,
  PRIMARY KEY (importer, ref_kind, ref, decl_id));

-- migration 7: unpaid declarations kept apart from the ledger's history
-- One row per declaration whose ledger balance is above zero (assessments, interest and credit
-- minus payments), kept by store_ledger_append in the transaction of every ledger entry. The
-- overdue-debt check of a registration reads an enterprise's unpaid declarations assessed before
-- a date from here (one index range over what it owes) instead of every declaration it was ever
-- assessed for. party: the party of its assessments; first_party: the least party of any of its
-- entries (the overdue report's grouping); assessed_at: its first assessment.
CREATE TABLE IF NOT EXISTS ledger_unpaid (
  decl_id TEXT PRIMARY KEY, party TEXT NOT NULL, first_party TEXT NOT NULL,
  assessed_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_unpaid_party ON ledger_unpaid(party, assessed_at);
INSERT INTO ledger_unpaid (decl_id, party, first_party, assessed_at)
  SELECT decl_id, MIN(CASE WHEN kind = 'assessed' THEN party END), MIN(party),
  MIN(CASE WHEN kind = 'assessed' THEN at END) FROM ledger_entries GROUP BY decl_id
  HAVING SUM(CASE WHEN kind IN ('assessed', 'interest', 'credit') THEN amount
  WHEN kind IN ('paid', 'paid_by_credit') THEN -amount ELSE 0 END) > 0
  AND MIN(CASE WHEN kind = 'assessed' THEN at END) IS NOT NULL;

-- migration 8: the law as it is applied (issue 14 §5-7): customs offices, documents declared per enterprise,
-- post-clearance audit cases
-- Vietnam's customs offices, seeded from data/reference/customs_offices.tsv, admin-managed (store_reference.c)
CREATE TABLE IF NOT EXISTS customs_offices (
  code TEXT PRIMARY KEY, name TEXT NOT NULL, province TEXT NOT NULL, kind TEXT NOT NULL,
  active INTEGER NOT NULL, source TEXT NOT NULL, updated_at BIGINT NOT NULL);
-- invoices and bills of lading declared (at IDC) by an enterprise: a second declaration of the same
-- document is a warning and a risk input (store_reference.c)
CREATE TABLE IF NOT EXISTS declared_documents (
  party TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, decl_id TEXT NOT NULL, at BIGINT NOT NULL,
  PRIMARY KEY (party, kind, ref, decl_id));
-- export containers are found by number at the port's gate (kind 'export_container')
CREATE INDEX IF NOT EXISTS declared_documents_ref ON declared_documents(kind, ref);
-- a risk rule may select declarations whose invoice or bill of lading was declared before (store.c)
ALTER TABLE risk_rules ADD COLUMN duplicate_document INTEGER NOT NULL DEFAULT 0;
-- post-clearance audit cases (store_audit_cases.c)
CREATE TABLE IF NOT EXISTS audit_cases (
  id TEXT PRIMARY KEY, decl_id TEXT NOT NULL, number TEXT NOT NULL, party TEXT NOT NULL, status TEXT NOT NULL,
  reason TEXT NOT NULL, selection TEXT, opened_by TEXT NOT NULL, opened_at BIGINT NOT NULL, findings TEXT,
  violation INTEGER NOT NULL, additional_tax BIGINT NOT NULL, interest BIGINT NOT NULL,
  interest_days INTEGER NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_cases_status ON audit_cases(status, opened_at);
CREATE INDEX IF NOT EXISTS audit_cases_decl ON audit_cases(decl_id);
-- migration 9: e-Office people, sessions and declaration search (issue 16)
-- people: one row per person, one per role held (store_users.c)
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY, party TEXT NOT NULL, name TEXT NOT NULL, office TEXT NOT NULL,
  password TEXT NOT NULL, created_at BIGINT NOT NULL, disabled INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS user_roles (
  username TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (username, role));
-- web sessions, by the SHA-256 of the cookie value
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL, csrf TEXT NOT NULL,
  created_at BIGINT NOT NULL, seen_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(username);
-- consecutive failed sign-ins per username (known or not): throttling
CREATE TABLE IF NOT EXISTS login_failures (
  username TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at BIGINT NOT NULL);
-- tokens issued to a person (username) or with an expiry; a token without a row never expires
CREATE TABLE IF NOT EXISTS token_owners (
  token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at BIGINT NOT NULL);
-- search: folded words of each declaration (number, parties, invoice, bills, containers, goods)
CREATE TABLE IF NOT EXISTS decl_terms (
  term TEXT NOT NULL, decl_id TEXT NOT NULL, PRIMARY KEY (term, decl_id));
CREATE INDEX IF NOT EXISTS decl_terms_decl ON decl_terms(decl_id);
-- worklist claims: who holds a declaration
CREATE TABLE IF NOT EXISTS decl_claims (
  decl_id TEXT PRIMARY KEY, username TEXT NOT NULL, name TEXT NOT NULL, at BIGINT NOT NULL);
-- the lists: newest first overall and per enterprise (party or declarant); the feed by time
CREATE INDEX IF NOT EXISTS declarations_created ON declarations(created_at, id);
CREATE INDEX IF NOT EXISTS declarations_party_created ON declarations(party, created_at);
CREATE INDEX IF NOT EXISTS declarations_declarant_created ON declarations(declarant, created_at);
-- the enterprises' feed of status changes: events in commit order (the single writer numbers
-- them), since an event's own time is taken before its job waits for the writer
ALTER TABLE events ADD COLUMN feed BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS events_feed ON events(feed);
CREATE INDEX IF NOT EXISTS events_at ON events(at);
-- migration 10: documents attached to declarations (issue 16 "Documents")
-- The bytes, content-addressed: one row per distinct SHA-256 (lower-case hex), the bytes in base64
-- (TEXT, the one column type every engine binds the same way). In the database rather than in files
-- beside it: several servers share one PostgreSQL database, and a table is the one store they all
-- see, that its transactions, backups and replicas cover together with the rows naming it
-- (docs/attachments.md). service/attachments.c re-hashes the bytes on every read.
CREATE TABLE IF NOT EXISTS attachment_blobs (
  sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, data TEXT NOT NULL);
-- one row per attachment: what it is, who attached it, its place in the declaration's list (seq); its SHA-256 is also in the declaration's
-- hash-chained "attach" event
CREATE TABLE IF NOT EXISTS attachments (
  id TEXT PRIMARY KEY, decl_id TEXT NOT NULL, kind TEXT NOT NULL, filename TEXT NOT NULL,
  content_type TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, party TEXT NOT NULL,
  role TEXT NOT NULL, username TEXT NOT NULL, at BIGINT NOT NULL, seq INTEGER NOT NULL,
  UNIQUE (decl_id, seq));

-- migration 11: the dashboard's HS chapters per declaration, and the period index (issue 16)
-- One row per declaration and HS chapter of its items (items: its item lines in that chapter),
-- written with the document in the same transaction (store.c's insert and update, db seed), so
-- that the dashboard reads no document (docs/performance.md). The documents are packed
-- (store/pack.h): existing rows are back-filled by this migration's C step (schema.c).
CREATE TABLE IF NOT EXISTS decl_chapters (
  decl_id TEXT NOT NULL, chapter INTEGER NOT NULL, items INTEGER NOT NULL,
  PRIMARY KEY (decl_id, chapter));
-- the whole administration's period
CREATE INDEX IF NOT EXISTS declarations_registered ON declarations(registered_at);
-- the dashboard's first instant of an action per declaration (documents passed, inspected, gate
-- out), answered from the index alone instead of reading each event row: the office's month
-- went from 263 to 166 ms of server CPU at 100,000 declarations (docs/performance.md)
CREATE INDEX IF NOT EXISTS events_decl_action ON events(decl_id, action, at);
-- migration 12: the search terms in one B-tree; declared documents by declaration
-- decl_terms was a rowid table with two indexes, (term, decl_id) and (decl_id): each term was
-- stored three times, ~40 % of a database's bytes, and three B-trees took each insert. Now the
-- key is the table (SQLite: WITHOUT ROWID; PostgreSQL keeps its heap and primary-key index) and
-- there is no index by declaration: a replaced document's old terms are computed from it
-- (store_decl_terms_replace).
-- engine: sqlite
ALTER TABLE decl_terms RENAME TO decl_terms_rowid;
-- engine: sqlite
CREATE TABLE decl_terms (
  term TEXT NOT NULL, decl_id TEXT NOT NULL, PRIMARY KEY (term, decl_id)) WITHOUT ROWID;
-- engine: sqlite
INSERT INTO decl_terms (term, decl_id) SELECT term, decl_id FROM decl_terms_rowid ORDER BY term, decl_id;
-- engine: sqlite
DROP TABLE decl_terms_rowid;
DROP INDEX IF EXISTS decl_terms_decl;
-- a declaration's declared documents are cleared when it is amended or cancelled (DELETE by
-- decl_id): without this index every such statement read the whole table
CREATE INDEX IF NOT EXISTS declared_documents_decl ON declared_documents(decl_id);
-- migration 13: the HS chapters in one B-tree
-- decl_chapters was a rowid table with its primary key (decl_id, chapter) as a second B-tree:
-- ~13 rows per declaration stored twice, 1.2 KB per declaration, and two inserts per row. Now
-- the key is the table (SQLite: WITHOUT ROWID; PostgreSQL keeps its heap and primary key).
-- engine: sqlite
ALTER TABLE decl_chapters RENAME TO decl_chapters_rowid;
-- engine: sqlite
CREATE TABLE decl_chapters (
  decl_id TEXT NOT NULL, chapter INTEGER NOT NULL, items INTEGER NOT NULL,
  PRIMARY KEY (decl_id, chapter)) WITHOUT ROWID;
-- engine: sqlite
INSERT INTO decl_chapters (decl_id, chapter, items)
  SELECT decl_id, chapter, items FROM decl_chapters_rowid ORDER BY decl_id, chapter;
-- engine: sqlite
DROP TABLE decl_chapters_rowid;
-- migration 14: selectivity's selections by source (the hit rates); the lists by status and by channel
-- One row per declaration registered on the yellow or red channel and per source of its risk
-- decision that asked for yellow or red (source: the reason's code, rule, model, exploration,
-- compliance, random, inherited...; ref: the rule id, the model version, else 0), written with
-- the declaration's risk decision (store.c: insert, register, update). The hit rates
-- (GET /api/v1/risk/hit-rates) read a period's rows from this key alone and each one's outcome
-- from risk_outcomes: reading the risk column of the declarations themselves meant reading past
-- their documents (1.5 s for a month of 100,000 declarations, docs/performance.md).
-- engine: sqlite
CREATE TABLE IF NOT EXISTS risk_selections (
  registered_at BIGINT NOT NULL, decl_id TEXT NOT NULL, source TEXT NOT NULL, ref BIGINT NOT NULL,
  channel INTEGER NOT NULL, PRIMARY KEY (registered_at, decl_id, source, ref)) WITHOUT ROWID;
-- engine: postgresql
CREATE TABLE IF NOT EXISTS risk_selections (
  registered_at BIGINT NOT NULL, decl_id TEXT NOT NULL, source TEXT NOT NULL, ref BIGINT NOT NULL,
  channel INTEGER NOT NULL, PRIMARY KEY (registered_at, decl_id, source, ref));
-- the declarations registered before this migration (rows already there are kept)
-- engine: sqlite
INSERT INTO risk_selections (registered_at, decl_id, source, ref, channel) SELECT d.registered_at, d.id, json_extract(r.value, '$.code'), CASE WHEN json_extract(r.value, '$.code') = 'rule' THEN COALESCE(json_extract(r.value, '$.rule_id'), 0) WHEN json_extract(r.value, '$.code') IN ('model', 'exploration') THEN COALESCE(json_extract(d.risk, '$.model.version'), 0) ELSE 0 END, MAX(CASE WHEN json_extract(r.value, '$.channel') = 'red' THEN 3 ELSE 2 END) FROM declarations d, json_each(d.risk, '$.reasons') r WHERE d.registered_at > 0 AND d.channel >= 2 AND json_valid(d.risk) AND json_extract(r.value, '$.channel') IN ('yellow', 'red') GROUP BY 1, 2, 3, 4 ON CONFLICT (registered_at, decl_id, source, ref) DO NOTHING;
-- engine: postgresql
INSERT INTO risk_selections (registered_at, decl_id, source, ref, channel) SELECT d.registered_at, d.id, r.value->>'code', CASE WHEN r.value->>'code' = 'rule' THEN COALESCE((r.value->>'rule_id')::bigint, 0) WHEN r.value->>'code' IN ('model', 'exploration') THEN COALESCE((d.risk::jsonb->'model'->>'version')::bigint, 0) ELSE 0 END, MAX(CASE WHEN r.value->>'channel' = 'red' THEN 3 ELSE 2 END) FROM declarations d CROSS JOIN LATERAL jsonb_array_elements(d.risk::jsonb->'reasons') AS r(value) WHERE d.registered_at > 0 AND d.channel >= 2 AND d.risk IS NOT NULL AND r.value->>'code' IS NOT NULL AND r.value->>'channel' IN ('yellow', 'red') GROUP BY 1, 2, 3, 4 ON CONFLICT (registered_at, decl_id, source, ref) DO NOTHING;
-- the lists by status or by channel, newest first (store_office.c list_by_status,
-- list_by_channel): one index range walked from its newest end, stopped after a page, instead of
-- the whole created_at index read row by row (status=cleared&channel=red: 70 ms of CPU at
-- 100,000 declarations, docs/performance.md)
CREATE INDEX IF NOT EXISTS declarations_status_created ON declarations(status, created_at);
CREATE INDEX IF NOT EXISTS declarations_channel_created ON declarations(channel, created_at);
-- an office's worklists (store_office.c wl_office_*): the queue's rows of one status, in the
-- order of registration
CREATE INDEX IF NOT EXISTS declarations_office_status ON declarations(office, status, registered_at);
-- migration 15: the dashboard's facts, one narrow row per registered declaration (issue 16)
-- What the managers' dashboard reads of a declaration (office, registration, channel, type,
-- status, the instants of its checks, clearance, gate-out and end, the ledger's sums, an
-- amendment after clearance, a violation found, its HS chapters as "chapter:items,..." from
-- decl_chapters), recomputed from the declaration's own rows by
-- every event append in the same transaction (store_dash_fact_sync): the dashboard reads an
-- index range of these rows instead of eight subqueries per declaration (~40 us each at
-- 1,000,000 declarations, docs/performance.md). Existing rows: this migration's C step (the same
-- statement for every registered declaration).
CREATE TABLE IF NOT EXISTS dash_facts (
  decl_id TEXT PRIMARY KEY, office TEXT NOT NULL, registered_at BIGINT NOT NULL,
  channel INTEGER NOT NULL, type_code TEXT NOT NULL, status INTEGER NOT NULL,
  cleared_at BIGINT NOT NULL, docs_at BIGINT NOT NULL, docs_passed_at BIGINT NOT NULL,
  inspected_at BIGINT NOT NULL, gate_out_at BIGINT NOT NULL, ended_at BIGINT NOT NULL,
  assessed BIGINT NOT NULL, collected BIGINT NOT NULL, amended INTEGER NOT NULL,
  violation INTEGER NOT NULL, chapters TEXT NOT NULL);
-- an office's period is one contiguous range of this index, which holds every column the
-- dashboard reads (the table's rows of one office are ~1 in 50 of a period's pages: reading them
-- through the rowid was half of an office month's time at 1,000,000, docs/performance.md); the
-- whole administration's period reads the table's rows in their order of registration
CREATE INDEX IF NOT EXISTS dash_facts_office_at ON dash_facts(office, registered_at, channel,
  type_code, status, cleared_at, docs_at, docs_passed_at, inspected_at, gate_out_at, ended_at,
  assessed, collected, amended, violation, chapters);
CREATE INDEX IF NOT EXISTS dash_facts_at ON dash_facts(registered_at);
-- migration 16: packed documents and audit digests stored as bytes (issue 12)
-- The packed columns (a declaration's document and tax document, their versions, the risk facts:
-- store/pack.h) held "~y<length>:" and the zlib stream in base64, a third of their bytes; the
-- events' four SHA-256 digests (prev_hash, hash, gprev, state) 64 hex characters for 32 bytes.
-- Both are bytes now (SQLite BLOB, PostgreSQL bytea), converted at the column (store/pack.c
-- store_bind_packed / store_col_packed, store/db.c db_bind_hex / db_col_hex): the texts the code
-- and the audit trail's MACs and state digests work with are unchanged, so events written before
-- verify as they did. SQLite keeps the declared types (a column holds any type) and the rows are
-- converted by this migration's C step (schema.c); PostgreSQL changes the column types here, each
-- table only while its column is still text (a statement on one line: the `;` inside stay inside).
-- decl_terms keeps the declaration id as its 16 bytes instead of 32 hex characters (~40 rows a
-- declaration): its queries compare it with encode(decl_id, 'hex') / decode(d.id, 'hex'), which
-- PostgreSQL has and the SQLite driver adds (store/db_sqlite.c).
-- engine: postgresql
DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'declarations' AND column_name = 'doc' AND data_type = 'text') THEN ALTER TABLE declarations ALTER COLUMN doc TYPE bytea USING (CASE WHEN doc ~ '^~[yz][0-9]+:' THEN decode('00', 'hex') || convert_to(substring(doc from 2 for position(':' in doc) - 1), 'UTF8') || decode(substring(doc from position(':' in doc) + 1), 'base64') ELSE convert_to(doc, 'UTF8') END), ALTER COLUMN taxes TYPE bytea USING (CASE WHEN taxes ~ '^~[yz][0-9]+:' THEN decode('00', 'hex') || convert_to(substring(taxes from 2 for position(':' in taxes) - 1), 'UTF8') || decode(substring(taxes from position(':' in taxes) + 1), 'base64') ELSE convert_to(taxes, 'UTF8') END); END IF; END $$;
-- engine: postgresql
DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'declaration_versions' AND column_name = 'doc' AND data_type = 'text') THEN ALTER TABLE declaration_versions ALTER COLUMN doc TYPE bytea USING (CASE WHEN doc ~ '^~[yz][0-9]+:' THEN decode('00', 'hex') || convert_to(substring(doc from 2 for position(':' in doc) - 1), 'UTF8') || decode(substring(doc from position(':' in doc) + 1), 'base64') ELSE convert_to(doc, 'UTF8') END), ALTER COLUMN taxes TYPE bytea USING (CASE WHEN taxes ~ '^~[yz][0-9]+:' THEN decode('00', 'hex') || convert_to(substring(taxes from 2 for position(':' in taxes) - 1), 'UTF8') || decode(substring(taxes from position(':' in taxes) + 1), 'base64') ELSE convert_to(taxes, 'UTF8') END); END IF; END $$;
-- engine: postgresql
DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'risk_facts' AND column_name = 'facts' AND data_type = 'text') THEN ALTER TABLE risk_facts ALTER COLUMN facts TYPE bytea USING (CASE WHEN facts ~ '^~[yz][0-9]+:' THEN decode('00', 'hex') || convert_to(substring(facts from 2 for position(':' in facts) - 1), 'UTF8') || decode(substring(facts from position(':' in facts) + 1), 'base64') ELSE convert_to(facts, 'UTF8') END); END IF; END $$;
-- engine: postgresql
DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'events' AND column_name = 'hash' AND data_type = 'text') THEN ALTER TABLE events ALTER COLUMN prev_hash TYPE bytea USING (CASE WHEN prev_hash ~ '^[0-9a-f]{64}$' THEN decode(prev_hash, 'hex') ELSE convert_to(prev_hash, 'UTF8') END), ALTER COLUMN hash TYPE bytea USING (CASE WHEN hash ~ '^[0-9a-f]{64}$' THEN decode(hash, 'hex') ELSE convert_to(hash, 'UTF8') END), ALTER COLUMN gprev TYPE bytea USING (CASE WHEN gprev ~ '^[0-9a-f]{64}$' THEN decode(gprev, 'hex') ELSE convert_to(gprev, 'UTF8') END), ALTER COLUMN state TYPE bytea USING (CASE WHEN state ~ '^[0-9a-f]{64}$' THEN decode(state, 'hex') ELSE convert_to(state, 'UTF8') END); END IF; END $$;
-- engine: postgresql
DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'decl_terms' AND column_name = 'decl_id' AND data_type = 'text') THEN ALTER TABLE decl_terms ALTER COLUMN decl_id TYPE bytea USING (CASE WHEN decl_id ~ '^[0-9a-f]{32}$' THEN decode(decl_id, 'hex') ELSE convert_to(decl_id, 'UTF8') END); END IF; END $$;
-- engine: sqlite
ALTER TABLE decl_terms RENAME TO decl_terms_text;
-- engine: sqlite
CREATE TABLE decl_terms (
  term TEXT NOT NULL, decl_id BLOB NOT NULL, PRIMARY KEY (term, decl_id)) WITHOUT ROWID;
-- engine: sqlite
INSERT INTO decl_terms (term, decl_id) SELECT term, CASE WHEN typeof(decl_id) = 'blob' THEN decl_id WHEN length(decl_id) = 32 AND decode(decl_id, 'hex') IS NOT NULL THEN decode(decl_id, 'hex') ELSE CAST(decl_id AS BLOB) END FROM decl_terms_text ORDER BY 1, 2;
-- engine: sqlite
DROP TABLE decl_terms_text;
-- migration 17: the working-day calendar of the legal time limits, kept by the administration
-- One row per day that is not what the plain week says (core/workhours.h): a public holiday or a
-- compensatory day ("holiday"), a Saturday or Sunday worked ("workday"), or a day an administrator
-- set back to the plain week's rule ("normal"). At start, the days of
-- data/reference/vn_public_holidays.tsv that the table does not have are added (a later release's
-- new year arrives by itself; a day an administrator changed is kept); PUT /api/v1/calendar/{date}
-- changes one (service/calendar.c). day: YYYYMMDD.
CREATE TABLE IF NOT EXISTS calendar_days (
  day INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, basis TEXT NOT NULL,
  status TEXT NOT NULL, source TEXT NOT NULL, updated_at BIGINT NOT NULL);
-- migration 18: the search terms' recent table (issue 12)
-- A new declaration's ~39 search terms each landed on a leaf of their own in decl_terms, a B-tree
-- of 1.4 GB at 1,000,000 declarations, and each leaf was rewritten (WAL, page cache) at every
-- commit that touched it: the whole growth of a registration's cost (docs/performance.md, stops
-- 16 and 17). The live path writes them into this small table of the same key instead, which the
-- writer merges into decl_terms in term order, a slice at a time (store/store_users.c
-- store_decl_terms_merge; docs/storage.md "Search terms"); every search reads both tables.
-- engine: sqlite
CREATE TABLE IF NOT EXISTS decl_terms_recent (
  term TEXT NOT NULL, decl_id BLOB NOT NULL, PRIMARY KEY (term, decl_id)) WITHOUT ROWID;
-- engine: postgresql
CREATE TABLE IF NOT EXISTS decl_terms_recent (
  term TEXT NOT NULL, decl_id BYTEA NOT NULL, PRIMARY KEY (term, decl_id));
-- migration 19: extensions of the physical inspection's time limit (Customs Law 2014 Art. 23)
-- The head of the customs office may extend the 8 working hours of a physical inspection when the
-- consignment is large, of many kinds or complex to inspect, by at most two days (counted here as
-- 16 working hours: core/workhours.h). One row per declaration with the extensions' total, the
-- last one's instant, person and reason (each extension is also an audit event,
-- "inspection_extended"); the worklist reads it with the queue, and dash_facts carries it so that
-- an inspection finished within its extended limit counts as within the law's limit.
CREATE TABLE IF NOT EXISTS inspection_extensions (
  decl_id TEXT PRIMARY KEY, working_hours INTEGER NOT NULL, at BIGINT NOT NULL,
  username TEXT NOT NULL, reason TEXT NOT NULL);
-- (IF NOT EXISTS: PostgreSQL's words, which the runner gives SQLite too, store/schema.c)
ALTER TABLE dash_facts ADD COLUMN IF NOT EXISTS inspection_extension INTEGER NOT NULL DEFAULT 0;
DROP INDEX IF EXISTS dash_facts_office_at;
CREATE INDEX IF NOT EXISTS dash_facts_office_at ON dash_facts(office, registered_at, channel,
  type_code, status, cleared_at, docs_at, docs_passed_at, inspected_at, gate_out_at, ended_at,
  assessed, collected, amended, violation, chapters, inspection_extension);
-- migration 20: fewer bytes per declaration (issue 12, docs/performance.md "Stop 17")
-- The dashboard's HS chapters as one row per declaration: its 16-byte id (as decl_terms keeps it:
-- db_bind_id16, decode(d.id, 'hex') in SQL) and the text dash_facts carries ("85:6,87:1", by
-- chapter), instead of decl_chapters' ~13 rows of (32-character id, chapter, items): the rows
-- were read only to spell that text (store_dash_fact_sync), and cost ~580 bytes a declaration.
-- A declaration without items has no row. Filled from the documents by this migration's C step
-- (schema.c), which also runs the dashboard's back-fill of migration 19 when that one is applied
-- with it (its statement reads this table).
-- engine: sqlite
CREATE TABLE IF NOT EXISTS decl_chapter_lists (
  decl_id BLOB NOT NULL PRIMARY KEY, chapters TEXT NOT NULL) WITHOUT ROWID;
-- engine: postgresql
CREATE TABLE IF NOT EXISTS decl_chapter_lists (
  decl_id bytea NOT NULL PRIMARY KEY, chapters TEXT NOT NULL);
DROP TABLE IF EXISTS decl_chapters;
-- events_decl_action (decl_id, action, at) answered the dashboard's first instants from the
-- index alone when the dashboard read events; since migration 15 only store_dash_fact_sync reads
-- them, for one declaration at a time: its few events through the primary key (decl_id, seq).
-- ~370 bytes a declaration at 1,000,000.
DROP INDEX IF EXISTS events_decl_action;
-- events: on SQLite, the declaration's id as its 16 bytes (as decl_terms keeps it), three copies
-- an event with its primary key; other chains' names (audit:users, exchange_rates...) stay text,
-- the value's type telling them apart (store/db.h db_bind_chain; SQL compares with chain_key(text)
-- and reads with chain_name(column), functions of the SQLite driver; PostgreSQL keeps the names as
-- text, its two functions below return their argument). And each event keeps its own MAC (hash)
-- and state digest, not the links: prev_hash was the hash of the declaration's event before
-- (seq - 1) and gprev that of the global chain's (gseq - 1), each a copy of a digest another row
-- holds, 2 x 33 bytes of every event (~400 bytes a declaration at 1,000,000). The writer reads
-- those hashes as it did (store_event_append_x) and MACs them as before; `audit verify`
-- recomputes each MAC over the hashes of the rows before it (store_audit.c verify_chains), so
-- events written before verify unchanged. SQLite: the table rebuilt in its rowid order (the old
-- one, renamed, takes its indexes along; they are made again on the new one); PostgreSQL: the
-- links dropped.
-- engine: sqlite
ALTER TABLE events RENAME TO events_v19;
-- engine: sqlite
CREATE TABLE events (
  decl_id BLOB NOT NULL, seq INTEGER NOT NULL, at BIGINT NOT NULL, actor TEXT NOT NULL,
  role TEXT NOT NULL, action TEXT NOT NULL, from_status INTEGER NOT NULL,
  to_status INTEGER NOT NULL, detail TEXT, hash BLOB NOT NULL, gseq BIGINT, state BLOB,
  extra TEXT, feed BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (decl_id, seq));
-- engine: sqlite
INSERT INTO events (decl_id, seq, at, actor, role, action, from_status, to_status, detail, hash, gseq, state, extra, feed) SELECT chain_key(decl_id), seq, at, actor, role, action, from_status, to_status, detail, hash, gseq, state, extra, feed FROM events_v19 ORDER BY rowid;
-- engine: sqlite
DROP TABLE events_v19;
CREATE UNIQUE INDEX IF NOT EXISTS events_gseq ON events(gseq);
CREATE INDEX IF NOT EXISTS events_feed ON events(feed);
CREATE INDEX IF NOT EXISTS events_at ON events(at);
-- engine: postgresql
CREATE OR REPLACE FUNCTION chain_key(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1';
-- engine: postgresql
CREATE OR REPLACE FUNCTION chain_name(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1';
-- engine: postgresql
ALTER TABLE events DROP COLUMN IF EXISTS prev_hash;
-- engine: postgresql
ALTER TABLE events DROP COLUMN IF EXISTS gprev;
-- migration 21: the declaration's revision (a registration refused when the row changed)
-- Every UPDATE of a declaration adds one (store.c); a job that acts on what a request read before
-- it (the registration assesses the document its request read) compares the revision it read
-- with the row's in its transaction. updated_at, which the check was before, counts seconds: an
-- edit in the same second as the write before it went unseen (tests/api/test_clearance.py
-- T11RegisterAfterEdit). Not part of the audit state digest: it records writes, not content.
ALTER TABLE declarations ADD COLUMN IF NOT EXISTS rev INTEGER NOT NULL DEFAULT 0;
-- migration 22: three indexes of declarations that no statement uses (issue 13)
-- (declarant | party | office, registered_at) were added by migration 2 for the lists of one
-- day. The lists walk by lodging time since migration 11 (declarations_*_created), the office's
-- worklists by (office, status, registered_at) (migration 14) and the dashboard reads dash_facts
-- (migration 15), so these were written at every IDA and again at every registration (their
-- registered_at changes) and read by nothing: `scripts/explain-queries.py DB --all` on a seeded
-- database lists no plan that uses them. Dropping them leaves 10 indexes on declarations.
DROP INDEX IF EXISTS declarations_declarant_at;
DROP INDEX IF EXISTS declarations_party_at;
DROP INDEX IF EXISTS declarations_office_at;
