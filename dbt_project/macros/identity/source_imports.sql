{#- The staging models that name persons, as import CTEs (each followed by a comma): the identity
    models that read every source (int_identity__source_records, int_identity__identifier_observations)
    share them. -#}
{% macro identity_source_imports() -%}
mp_users as (
    select * from {{ ref('stg_miniprogram__users') }}
),

mp_sharers as (
    select * from {{ ref('stg_miniprogram__sharers') }}
),

mp_orders as (
    select * from {{ ref('stg_miniprogram__orders') }}
),

channels_orders as (
    select * from {{ ref('stg_channels__orders') }}
),

wecom_contacts as (
    select * from {{ ref('stg_wecom__contacts') }}
),

oa_followers as (
    select * from {{ ref('stg_official_account__followers') }}
),

app_users as (
    select * from {{ ref('stg_app__users') }}
),

web_customers as (
    select * from {{ ref('stg_web__customers') }}
),

web_orders as (
    select * from {{ ref('stg_web__orders') }}
),

crm_members as (
    select * from {{ ref('stg_crm__members') }}
),
{%- endmacro %}
