{#- An operator's never_link whose two records still end in one component (joined through third records):
    the failing rows name the overrides file and line. -#}
select overrides.file, overrides.line
from {{ ref('int_identity__overrides') }} as overrides
inner join {{ ref('int_identity__components') }} as first_record
    on first_record.node_id = overrides.node_id
inner join {{ ref('int_identity__components') }} as second_record
    on second_record.node_id = overrides.other_node_id
where overrides.action = 'never_link'
  and first_record.component_node_id = second_record.component_node_id
