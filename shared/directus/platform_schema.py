"""The platform's Directus collections, fields and relations as Directus REST payloads.

This is the source from which `schema/directus/schema.yaml` is generated
(`python -m shared.directus.make_schema`): the payloads are created on a real Directus
through its API and the YAML is Directus's own `schema snapshot` of the result, so the
committed file is exactly Directus's format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Payload = dict[str, Any]

USERS = "directus_users"


def _field(
    name: str, kind: str, *, note: str = "", nullable: bool = True, **schema: Any
) -> Payload:
    """A plain field payload for `POST /fields/{collection}`."""
    meta: Payload = {"note": note or None}
    if kind == "json":
        meta["special"] = ["cast-json"]
    if kind == "boolean":
        meta["special"] = ["cast-boolean"]
    if kind == "timestamp":
        meta["special"] = ["cast-timestamp"]
    return {
        "field": name,
        "type": kind,
        "meta": meta,
        "schema": {"is_nullable": nullable, **schema},
    }


def _text(name: str, note: str = "", **schema: Any) -> Payload:
    return _field(name, "text", note=note, **schema)


def _string(name: str, note: str = "", **schema: Any) -> Payload:
    return _field(name, "string", note=note, **schema)


def _stamp(name: str, special: str) -> Payload:
    """A timestamp that Directus fills on create or update.

    `cast-timestamp` is what Directus itself adds on SQLite, which has no timestamp type; kept
    in the snapshot it makes the field a timestamp (with time zone) there too.
    """
    return {
        "field": name,
        "type": "timestamp",
        "meta": {"special": [special, "cast-timestamp"], "readonly": True, "hidden": True},
        "schema": {"is_nullable": True},
    }


CREATED = _stamp("date_created", "date-created")
UPDATED = _stamp("date_updated", "date-updated")


@dataclass(frozen=True)
class Relation:
    """A many-to-one link `collection.field -> related` with the database's on-delete rule."""

    collection: str
    field: str
    related: str
    on_delete: str = "SET NULL"
    nullable: bool = True
    note: str = ""
    meta: Payload | None = None

    def field_payload(self) -> Payload:
        """The uuid (or integer) foreign-key field for `POST /fields/{collection}`."""
        return {
            "field": self.field,
            "type": "uuid",
            "meta": {
                "special": ["m2o"],
                "interface": "select-dropdown-m2o",
                "note": self.note or None,
            },
            "schema": {"is_nullable": self.nullable},
        }

    def relation_payload(self) -> Payload:
        """The payload for `POST /relations`."""
        return {
            "collection": self.collection,
            "field": self.field,
            "related_collection": self.related,
            "schema": {"on_delete": self.on_delete},
            "meta": self.meta,
        }


@dataclass(frozen=True)
class Collection:
    """A platform collection: its fields (without the uuid primary key) and its links."""

    name: str
    note: str
    fields: list[Payload]
    relations: list[Relation] = field(default_factory=list)
    integer_key: bool = False
    hidden: bool = False
    # Directus keeps activity and revisions (full row payloads) unless this is None; chats
    # turn it off so a destroyed wrapped key does not live on in `directus_revisions`.
    accountability: str | None = "all"

    def payload(self) -> Payload:
        """The payload for `POST /collections`, creating the table with its primary key."""
        if self.integer_key:
            key: Payload = {
                "field": "id",
                "type": "integer",
                "meta": {"hidden": True},
                "schema": {"is_primary_key": True, "has_auto_increment": True},
            }
        else:
            key = {
                "field": "id",
                "type": "uuid",
                "meta": {"hidden": True, "readonly": True, "special": ["uuid"]},
                "schema": {"is_primary_key": True, "length": 36, "has_auto_increment": False},
            }
        meta = {
            "note": self.note,
            "hidden": self.hidden,
            "icon": "database",
            "accountability": self.accountability,
        }
        return {"collection": self.name, "meta": meta, "schema": {}, "fields": [key]}


def _m2o(
    collection: str, name: str, related: str, on_delete: str = "SET NULL", **kw: Any
) -> Relation:
    return Relation(collection, name, related, on_delete, **kw)


# Fields the platform adds to Directus's own users; personal data only as ciphertext plus a
# keyed hash for lookup (DESIGN.md, "Data and secrets").
USER_FIELDS: list[Payload] = [
    _field("credits_balance", "bigInteger", nullable=False, default_value=0),
    _field("preferences", "json"),
    _string(
        "platform_role",
        "user or admin of the platform (not Directus's admin)",
        nullable=False,
        default_value="user",
    ),
    _string("username", is_unique=True),
    _string("email_hash", "keyed hash of the normalised email, for lookups", is_unique=True),
    _text("email_ciphertext"),
    _text("display_name_ciphertext"),
    _field("totp_enabled", "boolean", nullable=False, default_value=False),
    _text("totp_secret_ciphertext"),
    _field("backup_code_hashes", "json"),
    _field("signed_up_at", "timestamp"),
    # Accounts (subgraphs/core/accounts): our own argon2id hash, not Directus's password, so
    # platform users cannot sign in to Directus and login needs no Directus round trip.
    _string("password_hash", "argon2id hash of the platform password"),
    _field("email_verified_at", "timestamp"),
    _string("email_code_hash", "keyed hash of the pending 6-digit email code"),
    _field("email_code_expires_at", "timestamp"),
    _field("email_code_attempts", "integer", nullable=False, default_value=0),
    _text("totp_pending_secret_ciphertext", "TOTP secret between setup2fa and confirm2fa"),
]

COLLECTIONS: list[Collection] = [
    Collection(
        "sessions",
        "Signed-in sessions: one row per refresh token; a family is one sign-in",
        [
            _string("family_id", "the session id in access tokens", nullable=False),
            _string("refresh_token_hash", nullable=False, is_unique=True),
            _string("rotated_from", "the row of the refresh token this one replaced"),
            _field("rotated_at", "timestamp"),
            _field("revoked_at", "timestamp"),
            _field("expires_at", "timestamp", nullable=False),
            _string("user_agent_hash"),
            _string("ip_hash"),
            CREATED,
        ],
        [_m2o("sessions", "user", USERS, "CASCADE", nullable=False)],
    ),
    Collection(
        "password_resets",
        "Single-use password reset tokens; only their hash is stored",
        [
            _string("token_hash", nullable=False, is_unique=True),
            _field("expires_at", "timestamp", nullable=False),
            _field("used_at", "timestamp"),
            CREATED,
        ],
        [_m2o("password_resets", "user", USERS, "CASCADE", nullable=False)],
    ),
    Collection(
        "invite_codes",
        "Sign-up invite codes; only their hash is stored",
        [
            _string("code_hash", nullable=False, is_unique=True),
            _field("uses", "integer", nullable=False, default_value=0),
            _field("max_uses", "integer", nullable=False, default_value=1),
            _field("expires_at", "timestamp"),
            _field("makes_admin", "boolean", nullable=False, default_value=False),
            CREATED,
        ],
        [_m2o("invite_codes", "created_by", USERS)],
    ),
    Collection(
        "api_keys",
        "API keys of users; only their hash and prefix are stored",
        [
            _string("key_hash", nullable=False, is_unique=True),
            _string("prefix", nullable=False),
            _string("name"),
            _field("scopes", "json"),
            _field("revoked_at", "timestamp"),
            _field("last_used_at", "timestamp"),
            CREATED,
        ],
        [_m2o("api_keys", "user", USERS, "CASCADE", nullable=False)],
    ),
    Collection(
        "apps",
        "Installed apps",
        [
            _string("name", nullable=False, is_unique=True),
            _string("version"),
            _field("enabled", "boolean", nullable=False, default_value=True),
            _field("config", "json"),
            CREATED,
            UPDATED,
        ],
    ),
    Collection(
        "skills",
        "Skills of the installed apps",
        [
            _string("name", nullable=False),
            _text("description"),
            _field("cost", "integer", nullable=False, default_value=0),
            _string("role", "role required to use the skill", nullable=False, default_value="user"),
            _field("input_schema", "json"),
        ],
        [_m2o("skills", "app", "apps", "CASCADE", nullable=False)],
    ),
    Collection(
        "providers",
        "External services behind the apps' skills",
        [
            _string("name", nullable=False),
            _field("config", "json"),
            _text("credentials_ciphertext"),
        ],
        [_m2o("providers", "app", "apps", "CASCADE", nullable=False)],
    ),
    Collection(
        "mates",
        "AI assistants; builtin mates have no owner",
        [
            _string("name", nullable=False),
            _text("description"),
            _text("system_prompt"),
            _string("preferred_model"),
            _field("allowed_apps", "json"),
            _string("avatar_colour"),
            _field("builtin", "boolean", nullable=False, default_value=False),
            CREATED,
            UPDATED,
        ],
        [_m2o("mates", "owner", USERS, "CASCADE")],
    ),
    Collection(
        "chats",
        "Chats; the title is ciphertext under the chat's own wrapped key",
        [
            _text("title_ciphertext"),
            _text("wrapped_key", nullable=False),
            _field("key_version", "integer", nullable=False, default_value=1),
            _string("builtin_mate", "id of a built-in mate (those are YAML, not rows)"),
            _field("seq", "bigInteger", note="creation order for cursor pages (uuid has no _lt)"),
            CREATED,
            UPDATED,
        ],
        [_m2o("chats", "owner", USERS, "CASCADE", nullable=False), _m2o("chats", "mate", "mates")],
        accountability=None,
    ),
    Collection(
        "messages",
        "Chat messages; the body is ciphertext bound to chat and message ids",
        [
            _string("role", "user, assistant or system", nullable=False),
            _text("body_ciphertext"),
            _field("seq", "bigInteger", note="creation order for cursor pages (uuid has no _lt)"),
            _string("status", nullable=False, default_value="done"),
            CREATED,
        ],
        [_m2o("messages", "chat", "chats", "CASCADE", nullable=False)],
        accountability=None,
    ),
    Collection(
        "chat_shares",
        "Share links of chats: only a hash of each link's token; the key is never stored here",
        [
            _string("token_hash", nullable=False, is_unique=True),
            CREATED,
        ],
        [_m2o("chat_shares", "chat", "chats", "CASCADE", nullable=False)],
        accountability=None,
        hidden=True,
    ),
    Collection(
        "collections",
        "Folders of chats",
        [
            _string("name", nullable=False),
            CREATED,
        ],
        [_m2o("collections", "owner", USERS, "CASCADE", nullable=False)],
    ),
    Collection(
        "collections_chats",
        "Which chats are in which collection",
        [],
        [
            _m2o(
                "collections_chats",
                "collections_id",
                "collections",
                "CASCADE",
                meta={"one_field": "chats", "junction_field": "chats_id"},
            ),
            _m2o(
                "collections_chats",
                "chats_id",
                "chats",
                "CASCADE",
                meta={"junction_field": "collections_id"},
            ),
        ],
        integer_key=True,
        hidden=True,
    ),
    Collection(
        "usage",
        "Credit movements (the ledger); request_id makes every write idempotent",
        [
            _string("kind", "settle, grant or purchase", nullable=False, default_value="settle"),
            _string("skill", nullable=False),
            _string("request_id", nullable=False, is_unique=True),
            _field(
                "credits", "bigInteger", note="signed: charges < 0", nullable=False, default_value=0
            ),
            _field("tokens", "integer"),
            _string("status", "ok, error or cancelled (settlements)"),
            _string("reason", "why credits were granted"),
            _string("parent_request_id", "the request a tool call was charged under"),
            CREATED,
        ],
        [_m2o("usage", "user", USERS)],
        # Integer keys grow with time: usageHistory pages by id. The ledger is its own
        # audit trail, so Directus's activity and revision rows would only triple each write.
        integer_key=True,
        accountability=None,
    ),
    Collection(
        "payments",
        "Payments; amount in minor units of the currency",
        [
            _string("provider", nullable=False),
            _string("provider_order_id", nullable=False, is_unique=True),
            _field("amount", "bigInteger", nullable=False),
            _string("currency", nullable=False, max_length=3),
            _string("status", nullable=False, default_value="pending"),
            _field("credits", "bigInteger", nullable=False, default_value=0),
            CREATED,
            UPDATED,
        ],
        [_m2o("payments", "user", USERS)],
    ),
    Collection(
        "invoices",
        "Invoices of payments; the PDF is a Directus file",
        [
            _string("number", nullable=False, is_unique=True),
            CREATED,
        ],
        [
            _m2o("invoices", "payment", "payments", "CASCADE", nullable=False),
            _m2o("invoices", "file", "directus_files"),
        ],
    ),
]

# The many-to-many alias `collections.chats` through `collections_chats`.
M2M_ALIAS: Payload = {
    "field": "chats",
    "type": "alias",
    "meta": {"special": ["m2m"], "interface": "list-m2m"},
}


def platform_collection_names() -> list[str]:
    """The names of the platform's own collections, in creation order."""
    return [c.name for c in COLLECTIONS]
