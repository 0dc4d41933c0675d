"""The generator writes the contract's exports: its entities are read from exports.yaml (the loader the
ingest uses), and its one overlay, roles.yaml, may only name what the contract has."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from c360_tools.generate import spec
from orchestration.ingest.schema import SCHEMA_FILE, load_entities


def _contract_facts(entity) -> tuple:
    columns = tuple((c.name, c.type, c.zh, c.required, c.values) for c in entity.columns)
    return entity.qualified_name, entity.key, columns


def _generator_facts(entity: spec.Entity) -> tuple:
    columns = tuple((c.name, c.type, c.zh, c.required, c.values) for c in entity.cols)
    return entity.folder, entity.key, columns


def test_the_generators_entities_are_the_contracts():
    assert [_generator_facts(e) for e in spec.ENTITIES] == [_contract_facts(e) for e in load_entities()]


def test_every_role_names_a_column_of_the_contract():
    columns = {e.qualified_name: set(e.column_names) for e in load_entities()}
    roles = spec.read_roles()
    assert set(roles) <= set(columns)
    assert {(folder, name) for folder, by_column in roles.items() for name in by_column if name not in columns[folder]} == set()
    assert {role for by_column in roles.values() for role in by_column.values()} == spec.ROLES


def test_roles_reach_the_generators_columns():
    orders = next(e for e in spec.ENTITIES if e.folder == "channels/orders")
    assert orders.col("receiver_phone").role == "phone" and orders.col("order_id").role == "id"
    assert orders.col("live_id").role == ""  # an id in the contract that the generator writes unmarked
    crm = next(e for e in spec.ENTITIES if e.folder == "crm/members")
    assert (crm.col("gender").role, crm.col("sms_opt_in").role, crm.col("birthday").type) == ("gender_text", "bool_text", "partial_date")


def _contract_copy(tmp_path: Path, change) -> Path:
    document = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    change(document["channels"])
    path = tmp_path / "exports.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_column_the_contract_drops_but_roles_name_stops_the_generator(tmp_path):
    contract = _contract_copy(tmp_path, lambda channels: channels["crm"]["members"]["columns"].pop("sms_opt_in"))
    with pytest.raises(spec.RolesMismatch, match="crm/members has no column sms_opt_in"):
        spec.load_entities(contract)


def test_an_export_the_contract_drops_but_roles_name_stops_the_generator(tmp_path):
    contract = _contract_copy(tmp_path, lambda channels: channels.pop("web"))
    with pytest.raises(spec.RolesMismatch, match="web/customers is not an export of the contract"):
        spec.load_entities(contract)


def test_an_unknown_role_stops_the_generator(tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text("app:\n  users: {phone: telephone}\n", encoding="utf-8")
    with pytest.raises(spec.RolesMismatch, match="app/users.phone: unknown role 'telephone'"):
        spec.load_entities(roles_file=roles)


def test_a_column_the_contract_adds_reaches_the_generator(tmp_path):
    def add_column(channels):
        channels["app"]["users"]["columns"]["vip_level"] = {"type": "enum", "values": [1, 2], "zh": "会员级别"}

    entities = {e.folder: e for e in spec.load_entities(_contract_copy(tmp_path, add_column))}
    added = entities["app/users"].col("vip_level")
    assert (added.type, added.zh, added.values, added.role) == ("enum", "会员级别", ("1", "2"), "")
