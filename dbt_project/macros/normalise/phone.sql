{#-
    Phone numbers as typed (the contract's README): `+86 138 0013 8000`, `86-13800138000`,
    `008613800138000`, full-width digits, spaces and dashes, landlines (`0571-8888 6666`), masked
    exports (`138****8000`), placeholders (`13800138000`, `11111111111`, `00000000000`) and junk.

    phone_kind(expr)      -> 'mobile' | 'international' | 'landline' | 'masked' | 'placeholder' | 'junk' | null
    normalise_phone(expr) -> the 11-digit mainland mobile, or '+<cc><number>' for a foreign number;
                             null for every other kind (they never take part in matching)

    Both are built from `phone_compact` (digits, '+' and '*' only, full-width folded) and the
    dispatched primitives in _sql_primitives.sql, plus dbt's cross-database macros.
-#}

{% macro phone_compact(expr) -%}
    {{ return(adapter.dispatch('phone_compact', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__phone_compact(expr) -%}
    {{ c360.regexp_replace_all(
        c360.translate_chars(expr, '０１２３４５６７８９＋＊', '0123456789+*'),
        '[^0-9+*]', '') }}
{%- endmacro %}


{#- True for an 11-digit mobile that is a well-known stand-in: 13800138000, or one whose last eight
    digits are all the same (13900000000, 18888888888, 13811111111). -#}
{% macro is_placeholder_mobile(mobile) -%}
    {{ return(adapter.dispatch('is_placeholder_mobile', 'c360')(mobile)) }}
{%- endmacro %}

{% macro default__is_placeholder_mobile(mobile) -%}
    ({{ mobile }} = '13800138000'
     or {{ dbt.replace(dbt.right(mobile, 8), dbt.right(mobile, 1), "''") }} = '')
{%- endmacro %}


{% macro phone_kind(expr) -%}
    {{ return(adapter.dispatch('phone_kind', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__phone_kind(expr) -%}
    {%- set s = c360.phone_compact(expr) -%}
    case
        when {{ expr }} is null then null
        when {{ dbt.position("'*'", s) }} > 0 then 'masked'
        when {{ c360.regexp_full_match(s, '(\\+86|0086|86)?1[3-9][0-9]{9}') }} then
            case when {{ c360.is_placeholder_mobile(dbt.right(s, 11)) }} then 'placeholder' else 'mobile' end
        when {{ c360.regexp_full_match(s, '(\\+86|0086)0?[1-9][0-9]{8,10}') }} then 'landline'
        when {{ c360.regexp_full_match(s, '(\\+|00)[1-9][0-9]{6,14}') }}
             and not {{ c360.regexp_full_match(s, '(\\+86|0086).*') }} then 'international'
        when {{ c360.regexp_full_match(s, '0[1-9][0-9]{8,10}') }} then 'landline'
        when {{ dbt.length(s) }} >= 5 and {{ dbt.replace(s, "substring(" ~ s ~ ", 1, 1)", "''") }} = '' then 'placeholder'
        else 'junk'
    end
{%- endmacro %}


{% macro normalise_phone(expr) -%}
    {{ return(adapter.dispatch('normalise_phone', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__normalise_phone(expr) -%}
    {%- set s = c360.phone_compact(expr) -%}
    case {{ c360.phone_kind(expr) }}
        when 'mobile' then {{ dbt.right(s, 11) }}
        when 'international' then {{ dbt.concat(["'+'", c360.regexp_replace_all(s, '^(\\+|00)', '')]) }}
    end
{%- endmacro %}


{#- A list of phones (WeCom remark_mobiles) -> the list of their normalised forms, others dropped. -#}
{% macro normalise_phone_list(list_expr) -%}
    {{ c360.list_map_not_null(list_expr, 'p', c360.normalise_phone('p')) }}
{%- endmacro %}
