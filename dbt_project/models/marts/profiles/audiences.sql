{#-
    Ready audiences: one row per (customer, audience). Every audience is one entry of the var
    profile_audiences in dbt_project.yml (name, description, condition and reason, SQL over the
    columns of customer_profiles), the one place where audiences are defined: this model only
    turns each entry into a filtered select. computed_at is the start of the dbt run that built it.
-#}
{%- set audiences = var('profile_audiences') %}
{%- set names = audiences | map(attribute='name') | list %}
{%- if names | length != names | unique | list | length %}
    {{ exceptions.raise_compiler_error('var profile_audiences: audience names must be unique, got ' ~ names) }}
{%- endif %}

with

profiles as (
    select * from {{ ref('customer_profiles') }}
),

members as (
    {%- for audience in audiences %}
    select
        customer_id,
        '{{ audience.name }}' as audience,
        cast({{ audience.reason if audience.reason else "'" ~ audience.description | replace("'", "''") ~ "'" }} as {{ dbt.type_string() }}) as reason,
        as_of_date
    from profiles
    where {{ audience.condition }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    customer_id,
    audience,
    reason,
    as_of_date,
    {{ c360.run_started_at_literal() }} as computed_at
from members
