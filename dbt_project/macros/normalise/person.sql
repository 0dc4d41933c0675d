{#-
    normalise_gender(expr) -> 'male' | 'female' | 'unknown' (null stays null).
    Sources say 0/1/2 (0 unknown, 1 male, 2 female), the CRM also 男/女/未知 and M/F/U.
-#}
{% macro normalise_gender(expr) -%}
    {{ return(adapter.dispatch('normalise_gender', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__normalise_gender(expr) -%}
    case
        when {{ expr }} is null then null
        when lower(trim(cast({{ expr }} as {{ dbt.type_string() }}))) in ('1', 'm', 'male', '男') then 'male'
        when lower(trim(cast({{ expr }} as {{ dbt.type_string() }}))) in ('2', 'f', 'female', '女') then 'female'
        else 'unknown'
    end
{%- endmacro %}


{#-
    normalise_birthday(expr) -> 'YYYY-MM-DD' (a real calendar date, year 1900..2100) or '--MM-DD'
    (month and day only; a real month-day, 02-29 allowed); null otherwise. Accepts a DATE or the
    ingest's text forms 'YYYY-MM-DD' / '--MM-DD'.
-#}
{% macro normalise_birthday(expr) -%}
    {{ return(adapter.dispatch('normalise_birthday', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__normalise_birthday(expr) -%}
    {%- set s = "trim(cast(" ~ expr ~ " as " ~ dbt.type_string() ~ "))" -%}
    case
        when {{ c360.regexp_full_match(s, '(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}') }}
             and {{ c360.try_cast_date(s) }} is not null then {{ s }}
        when {{ c360.regexp_full_match(s, '--[0-9]{2}-[0-9]{2}') }}
             and {{ c360.try_cast_date(dbt.concat(["'2000'", dbt.right(s, 6)])) }} is not null then {{ s }}
    end
{%- endmacro %}


{#-
    person_name_from_remark(expr): the name part of a staff remark such as '何芳-VIP', '胡蕾 老客户',
    '赵娟娟,复购', '徐菲(宝妈)': the text before the first separator, trimmed; null when empty.
-#}
{% macro person_name_from_remark(expr) -%}
    {{ return(adapter.dispatch('person_name_from_remark', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__person_name_from_remark(expr) -%}
    nullif(trim({{ c360.regexp_replace_all("trim(" ~ expr ~ ")", '[\\s\\-,，(（/|·].*$', '') }}), '')
{%- endmacro %}


{#- True for a nickname that says nothing about the person: 微信用户, 用户123456, empty. -#}
{% macro is_generic_nickname(expr) -%}
    {{ return(adapter.dispatch('is_generic_nickname', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__is_generic_nickname(expr) -%}
    (coalesce(trim({{ expr }}), '') = ''
     or {{ c360.regexp_full_match("trim(" ~ expr ~ ")", '(微信用户|用户|user|User|wx_?)[0-9_]*|[0-9]+') }})
{%- endmacro %}
