"""Every rate the generator uses, declared as data.

Weights are relative (they need not sum to 1); ``*_rate`` and ``p_*`` values are probabilities. The
defaults follow the proportions of the labelled sample in ``shared/samples`` (3,000 persons, 14 days).
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _w(**weights: float) -> dict[str, float]:
    return dict(weights)


@dataclass(frozen=True)
class FileMix:
    """Choices made once per file."""

    formats: dict = field(default_factory=lambda: {"csv": 74, "csv.gz": 7, "xlsx": 8, "jsonl": 11})
    encodings: dict = field(default_factory=lambda: {"utf-8": 62, "utf-8-sig": 22, "gb18030": 16})
    line_endings: dict = field(default_factory=lambda: {"\n": 70, "\r\n": 30})
    quoting: dict = field(default_factory=lambda: {"necessary": 93, "always": 7})
    header_styles: dict = field(default_factory=lambda: _w(canonical=45, zh=28, mixed=27))
    p_header_spaces: float = 0.5  # files whose header has stray spaces...
    header_space_rate: float = 0.15  # ...on this share of its cells
    p_shuffled_columns: float = 0.45
    p_extra_column: float = 0.15
    extra_column_names: tuple = ("导出时间", "操作人", "source_system", " source_system ", "备注2", "数据来源", "export_batch")
    extra_column_values: tuple = ("导出", "manual", "ok", "2026批次", "sys-A", None)
    ts_formats: dict = field(default_factory=lambda: _w(
        dash=36, slash=14, minute=10, iso_offset=12, iso_z=8, unix=12, mixed=8))
    date_formats: dict = field(default_factory=lambda: _w(dash=70, slash=20, compact=10))
    null_tokens: dict = field(default_factory=lambda: {
        "": 50, "NULL": 8, "null": 6, "None": 6, "-": 8, "N/A": 7, "\\N": 8, "mixed": 7})
    id_markers: dict = field(default_factory=lambda: _w(none=75, apostrophe=10, formula=10, apostrophe_all=5))
    id_marker_row_rate: float = 0.3  # rows marked in an "apostrophe"/"formula" file
    p_jsonl_numbers_as_strings: float = 0.3
    p_jsonl_shuffled_keys: float = 0.5
    crm_gender_vocab: dict = field(default_factory=lambda: _w(zh=40, letters=25, digits=35))
    crm_bool_vocab: dict = field(default_factory=lambda: _w(digits=40, truefalse=25, yn=20, zh=15))
    p_tagid_brackets: float = 0.4
    p_part2: float = 0.06  # a day's export arrives as two files
    p_resend: float = 0.03  # a file is delivered a second time, byte for byte, under a second name
    xlsx_max_cells: int = 20_000  # console exports to Excel are small (and xlsxwriter is slow)
    files_per_manual_export: int = 200  # one file lacking a required column per this many files (>= 1)


@dataclass(frozen=True)
class CellMix:
    """Choices made per cell."""

    phone_variants: dict = field(default_factory=lambda: _w(
        plain=56, dashes=8, spaces=7, plus86_spaces=6, plus86=5, cc86_dash=4, cc0086=4,
        plus86_dashes=2, padded=2, fullwidth=2, dash_space=1))
    email_variants: dict = field(default_factory=lambda: _w(lower=60, upper=10, capitalized=15, padded=15))
    yuan_prefixes: dict = field(default_factory=lambda: {"": 70, "¥": 22, "￥": 8})
    month_day_formats: dict = field(default_factory=lambda: {"MM-DD": 30, "MM月DD日": 70})
    p_yuan_thousands: float = 0.5  # amounts of 1,000 yuan or more written as 1,299.00
    p_yuan_no_decimals: float = 0.4  # whole amounts written as 286
    p_several_versions_in_file: float = 0.05  # orders changed twice in a day: both versions in the file
    p_address_comma: float = 0.06
    p_address_quote: float = 0.02
    p_address_newline: float = 0.015
    p_mixed_nulls: float = 1.0  # in a "mixed" file every missing cell draws its own token


@dataclass(frozen=True)
class BadRowMix:
    """Rows a load must reject; each is a corrupted copy next to the good row it copies."""

    rate: float = 0.0012
    kinds: dict = field(default_factory=lambda: _w(
        wrong_field_count=20, required_missing=25, unparseable_timestamp=20, unparseable_amount=15,
        unparseable_number=8, scientific_order_id=12))
    bad_timestamps: tuple = ("#########", "2026-02-30T99:00:00", "0000-00-00 00:00:00", "昨天 14:00", "17900000")
    bad_amounts: tuple = ("#VALUE!", "１２O", "12.3.4", "约100")
    bad_numbers: tuple = ("#VALUE!", "两", "N0")
    extra_field: str = "多余"


@dataclass(frozen=True)
class PopulationMix:
    """Who the persons are, where they appear and how often things happen."""

    phones_per_person: dict = field(default_factory=lambda: {1: 70, 2: 22, 3: 8})
    emails_per_person: dict = field(default_factory=lambda: {0: 70, 1: 23, 2: 7})
    p_unionid: float = 0.90
    p_month_day_birthday: float = 0.15
    household_sizes: dict = field(default_factory=lambda: {1: 2063, 2: 188, 3: 111, 4: 57})
    p_recycled_phone: float = 0.003  # persons whose number was someone else's years before
    p_phone_switch_in_window: float = 0.04  # persons who take a new number during the window
    presence: dict = field(default_factory=lambda: _w(mp=0.56, oa=0.44, crm=0.30, wecom=0.235, app=0.15, web=0.09))
    p_crm_second_membership: float = 0.02
    p_wecom_second_follower: float = 0.26
    p_sharer_of_mp_users: float = 0.035
    p_staff_sharer: float = 0.4
    p_sharer_unionid: float = 0.92
    p_sharer_unbinds: float = 0.06
    new_per_day: float = 0.003  # records created inside the window, per day, as a share of a source
    updates_per_day: dict = field(default_factory=lambda: _w(
        mp=0.012, oa=0.014, crm=0.014, wecom=0.013, app=0.03, web=0.013, sharer=0.01))
    p_same_day_versions: float = 0.03  # an identity record changed twice in a day, both versions exported
    p_stale_reexport: float = 0.01  # unchanged records exported again later (older update_time)
    # unionid shown by a record, for persons who have one
    p_unionid_shown: dict = field(default_factory=lambda: _w(mp=0.65, mp_buyer=0.55, ch_buyer=0.55, oa=0.5, wecom=0.55))
    p_unionid_bound_later: float = 0.1  # of records that show it: only from a time after registration
    phone_kinds: dict = field(default_factory=lambda: {
        "mp": _w(own=48, none=49, placeholder=1.5, junk=1.5),
        "app": _w(own=86, none=5, landline=5, placeholder=1.5, junk=1.5, masked=1),
        "web": _w(own=86, none=8, landline=3, placeholder=1.5, junk=1.5),
        "crm": _w(own=91, store=3, placeholder=1.5, none=2.5, junk=2),
    })
    p_email_own: dict = field(default_factory=lambda: _w(app=0.30, web=0.30))
    p_email_placeholder: float = 0.03
    p_remark_mobile: float = 0.45
    p_remark_second_mobile: float = 0.1
    p_remark_wrong_mobile: float = 0.05
    orders_per_person_day: dict = field(default_factory=lambda: _w(
        miniprogram=0.0072, channels=0.0132, app=0.0015, web=0.0018))
    lines_per_order: dict = field(default_factory=lambda: {
        "miniprogram": {1: 70, 2: 18, 3: 8, 4: 4}, "channels": {1: 86, 2: 10, 3: 4}})
    receiver_kinds: dict = field(default_factory=lambda: _w(self=90, gift=5.5, proxy=4.5))
    p_receiver_in_dataset: float = 0.75
    # who receives a parcel sent to another person: anyone, someone of the buyer's household (same city and
    # address) or someone of the buyer's surname; a name or a city agreeing with the buyer proves nothing
    other_receivers: dict = field(default_factory=lambda: _w(anyone=50, household=30, surname=20))
    p_bare_shop_buyer: float = 0.25  # persons whose shop orders never show their unionid (the buyer carries no other fact)
    p_channels_masked_receiver: float = 0.6
    p_order_sharer: dict = field(default_factory=lambda: _w(miniprogram=0.14, channels=0.16))
    p_shop_paid: float = 0.9
    p_oversold: float = 0.02
    p_aftersale: float = 0.05
    p_second_aftersale: float = 0.1
    p_app_paid: float = 0.9
    p_app_refunded: float = 0.03
    p_web_guest: float = 0.3
    p_web_paid: float = 0.87
    p_web_refunded: float = 0.02
    p_web_partially_refunded: float = 0.02
    messages_per_person_day: float = 0.02


@dataclass(frozen=True)
class Mix:
    files: FileMix = field(default_factory=FileMix)
    cells: CellMix = field(default_factory=CellMix)
    bad: BadRowMix = field(default_factory=BadRowMix)
    people: PopulationMix = field(default_factory=PopulationMix)


DEFAULT_MIX = Mix()
