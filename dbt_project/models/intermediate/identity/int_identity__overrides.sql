{#-
    Operators' identity decisions (orchestration/identity/overrides.py reads the files), with the node
    ids of their records. A line naming a record no export holds stops the run, naming its file and line
    (not the record: a key may be personal).
-#}
with

overrides as (
    select * from {{ source('raw', '_identity_overrides') }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

located as (
    select
        overrides.file,
        overrides.line,
        overrides.action,
        overrides.record_key,
        overrides.other_record_key,
        overrides.reason,
        record_node.node_id,
        other_node.node_id as other_node_id
    from overrides
    left join nodes as record_node
        on record_node.record_key = overrides.record_key
    left join nodes as other_node
        on other_node.record_key = overrides.other_record_key
)

select
    file,
    line,
    action,
    record_key,
    other_record_key,
    reason,
    case
        when node_id is null or (other_record_key is not null and other_node_id is null)
            then {{ c360.raise_error(dbt.concat(["'identity override '", 'file', "' line '", 'cast(line as ' ~ dbt.type_string() ~ ')', "': unknown record (no export holds it)'"])) }}
        else node_id
    end as node_id,
    other_node_id
from located
