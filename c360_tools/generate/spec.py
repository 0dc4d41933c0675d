"""The export contract's entities as the generator needs them: columns, aliases, keys, required flags.

Read from the contract (``orchestration/ingest/exports.yaml``, through the loader the ingest uses), with
one overlay of the generator's own (``roles.yaml``): a column's ``role`` says how a value is dressed when
it is written (Excel id markers, phone and email variants, per-file vocabularies); the contract ``type``
says what a loader must be able to parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.ingest import schema as contract
from orchestration.lib.yaml_files import read_yaml

ROLES_FILE = Path(__file__).with_name("roles.yaml")
ROLES = frozenset({"id", "phone", "email", "gender_text", "bool_text", "tagids"})


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # contract type: str, int, bool01, ts, date, partial_date, fen, yuan, enum, list
    zh: str | None
    required: bool = False
    role: str = ""  # one of ROLES, or "" (written as its type says)
    values: tuple[str, ...] = ()  # an enum's allowed values


@dataclass(frozen=True)
class Entity:
    channel: str
    name: str
    key: tuple[str, ...]
    cols: tuple[Col, ...]

    @property
    def folder(self) -> str:
        return f"{self.channel}/{self.name}"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cols)

    def col(self, name: str) -> Col:
        return next(c for c in self.cols if c.name == name)

    @property
    def update_col(self) -> str:
        for name in ("update_time", "updated_at", "sent_at"):
            if name in self.names:
                return name
        raise KeyError(self.folder)

    def of_type(self, *types: str) -> tuple[Col, ...]:
        return tuple(c for c in self.cols if c.type in types)


class RolesMismatch(ValueError):
    """roles.yaml names an entity, a column or a role the contract (or the generator) does not know."""


def read_roles(path: Path = ROLES_FILE) -> dict[str, dict[str, str]]:
    """``<channel>/<entity>`` -> {column: role}."""
    document = read_yaml(path) or {}
    return {f"{channel}/{name}": dict(columns) for channel, entities in document.items() for name, columns in entities.items()}


def _check_roles(roles: dict[str, dict[str, str]], entities: tuple[contract.Entity, ...]) -> None:
    columns = {e.qualified_name: set(e.column_names) for e in entities}
    for folder, by_column in roles.items():
        if folder not in columns:
            raise RolesMismatch(f"roles.yaml: {folder} is not an export of the contract")
        for name, role in by_column.items():
            if name not in columns[folder]:
                raise RolesMismatch(f"roles.yaml: {folder} has no column {name} in the contract")
            if role not in ROLES:
                raise RolesMismatch(f"roles.yaml: {folder}.{name}: unknown role {role!r} (known: {', '.join(sorted(ROLES))})")


def _entity(source: contract.Entity, roles: dict[str, str]) -> Entity:
    cols = tuple(Col(c.name, c.type, c.zh, c.required, roles.get(c.name, ""), c.values) for c in source.columns)
    return Entity(source.channel, source.name, source.key, cols)


def load_entities(contract_file: Path = contract.SCHEMA_FILE, roles_file: Path = ROLES_FILE) -> tuple[Entity, ...]:
    """The contract's entities, in its order, each column with its role."""
    entities = contract.load_entities(contract_file)
    roles = read_roles(roles_file)
    _check_roles(roles, entities)
    return tuple(_entity(e, roles.get(e.qualified_name, {})) for e in entities)


ENTITIES: tuple[Entity, ...] = load_entities()
_BY_FOLDER = {e.folder: e for e in ENTITIES}

# The entities the builders write by name; a KeyError here means the contract dropped an export they build.
MP_USERS = _BY_FOLDER["miniprogram/users"]
MP_ORDERS = _BY_FOLDER["miniprogram/orders"]
MP_AFTERSALES = _BY_FOLDER["miniprogram/aftersales"]
MP_SHARERS = _BY_FOLDER["miniprogram/sharers"]
CH_ORDERS = _BY_FOLDER["channels/orders"]
CH_AFTERSALES = _BY_FOLDER["channels/aftersales"]
WECOM_CONTACTS = _BY_FOLDER["wecom/contacts"]
OA_FOLLOWERS = _BY_FOLDER["official_account/followers"]
APP_USERS = _BY_FOLDER["app/users"]
APP_ORDERS = _BY_FOLDER["app/orders"]
WEB_CUSTOMERS = _BY_FOLDER["web/customers"]
WEB_ORDERS = _BY_FOLDER["web/orders"]
CRM_MEMBERS = _BY_FOLDER["crm/members"]
TOUCHPOINTS = _BY_FOLDER["touchpoints/messages"]
