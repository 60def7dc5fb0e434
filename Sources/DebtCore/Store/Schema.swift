/// The database schema as an ordered list of migrations, applied once each, in one transaction each,
/// under an advisory lock so that two starting servers never migrate at once.
public enum Schema {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
    }

    /// Held (transaction-scoped) by every append: serializes positions so they are dense and commit in
    /// order, which is what lets a reader of "after N" never miss a late commit.
    public static let appendLockKey: Int64 = 0x0DEB_7A11
    /// Held while migrating.
    public static let migrationLockKey: Int64 = 0x0DEB_7A12
    /// Held (session-scoped) by a running rebuild: two rebuilds never run at once.
    public static let rebuildLockKey: Int64 = 0x0DEB_7A13
    /// The channel `NOTIFY` uses for every appended event.
    public static let notifyChannel = "debt_events"
    /// The projections the store maintains, by checkpoint name.
    public static let projections = ["contacts", "transactions"]

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "event log, projections, sync state", sql: v1)
    ]

    static let v1 = """
        CREATE TABLE users (
            id            uuid PRIMARY KEY,
            username      text NOT NULL UNIQUE,
            email         text,
            password_hash text,
            is_admin      boolean NOT NULL DEFAULT false,
            created_at    timestamptz NOT NULL DEFAULT now(),
            deleted_at    timestamptz
        );

        CREATE TABLE events (
            position       bigint PRIMARY KEY,
            event_id       uuid NOT NULL UNIQUE,
            user_id        uuid NOT NULL REFERENCES users (id),
            aggregate_type text NOT NULL CHECK (aggregate_type IN ('contact', 'transaction')),
            aggregate_id   uuid NOT NULL,
            event_type     text NOT NULL CHECK (event_type IN ('CREATED', 'UPDATED', 'DELETED', 'UNDO')),
            version        bigint NOT NULL CHECK (version >= 1),
            event_data     jsonb NOT NULL,
            metadata       jsonb NOT NULL DEFAULT '{}',
            occurred_at    timestamptz NOT NULL,
            recorded_at    timestamptz NOT NULL DEFAULT now(),
            digest         bytea NOT NULL CHECK (length(digest) = 32),
            UNIQUE (aggregate_type, aggregate_id, version)
        );
        CREATE INDEX events_user_position ON events (user_id, position);
        CREATE INDEX events_user_occurred ON events (user_id, occurred_at, position);
        CREATE INDEX events_type_position ON events (event_type, aggregate_type, position);
        CREATE INDEX events_aggregate_id ON events (aggregate_id);
        CREATE INDEX events_recorded_at ON events (recorded_at);
        CREATE INDEX events_undone ON events ((event_data ->> 'undone_event_id')) WHERE event_type = 'UNDO';

        -- The log is append-only: the database itself refuses to change or remove a row.
        CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'events are immutable: % on events is not allowed', TG_OP
                USING ERRCODE = 'restrict_violation';
        END
        $$;
        CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
        CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
            FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

        CREATE TABLE contacts_projection (
            id            uuid PRIMARY KEY,
            user_id       uuid NOT NULL,
            name          text NOT NULL,
            username      text,
            phone         text,
            email         text,
            notes         text,
            comment       text,
            balance       bigint NOT NULL DEFAULT 0,
            is_deleted    boolean NOT NULL DEFAULT false,
            version       bigint NOT NULL,
            created_at    timestamptz NOT NULL,
            updated_at    timestamptz NOT NULL,
            last_position bigint NOT NULL
        );
        CREATE INDEX contacts_projection_user ON contacts_projection (user_id, name);

        CREATE TABLE transactions_projection (
            id               uuid PRIMARY KEY,
            user_id          uuid NOT NULL,
            contact_id       uuid NOT NULL,
            amount           bigint NOT NULL,
            direction        text NOT NULL,
            type             text NOT NULL,
            currency         text NOT NULL,
            description      text,
            transaction_date text,
            due_date         text,
            comment          text,
            contribution     bigint NOT NULL,
            is_deleted       boolean NOT NULL DEFAULT false,
            version          bigint NOT NULL,
            created_at       timestamptz NOT NULL,
            updated_at       timestamptz NOT NULL,
            last_position    bigint NOT NULL
        );
        CREATE INDEX transactions_projection_user ON transactions_projection (user_id, created_at);
        CREATE INDEX transactions_projection_contact ON transactions_projection (contact_id);

        CREATE TABLE user_settings (
            user_id    uuid NOT NULL REFERENCES users (id),
            key        text NOT NULL,
            value      jsonb NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (user_id, key)
        );

        CREATE TABLE idempotency_keys (
            user_id         uuid NOT NULL,
            scope           text NOT NULL,
            key             text NOT NULL,
            request_digest  bytea NOT NULL,
            response_status integer NOT NULL,
            response_body   jsonb NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (user_id, scope, key)
        );

        CREATE TABLE projection_checkpoints (
            name                text PRIMARY KEY,
            position            bigint NOT NULL DEFAULT 0,
            updated_at          timestamptz NOT NULL DEFAULT now(),
            last_rebuild_at     timestamptz,
            last_rebuild_events bigint,
            last_error          text
        );
        INSERT INTO projection_checkpoints (name) VALUES ('contacts'), ('transactions');

        CREATE TABLE sync_state (
            user_id       uuid PRIMARY KEY,
            hash          bytea NOT NULL CHECK (length(hash) = 32),
            event_count   bigint NOT NULL,
            last_event_at timestamptz,
            last_position bigint NOT NULL
        );

        CREATE TABLE login_logs (
            id         bigserial PRIMARY KEY,
            user_id    uuid,
            username   text NOT NULL,
            success    boolean NOT NULL,
            client     text,
            user_agent text,
            at         timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX login_logs_user ON login_logs (user_id, at);
        """
}
